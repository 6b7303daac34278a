/**
 * The size limit a too-large request body broke: in the core because two interpreters answer it,
 * the HTTP middleware and JSON-RPC over HTTP.
 *
 * @internal
 */
import { Context } from "effect"
import { HttpIncomingMessage } from "effect/http"

/**
 * The limit a too-large body broke: the one the platform applied when its error says it (Node's
 * `MaxBytesError.maxBytes`), else the request fiber's `MaxBodySize`; unknown without either.
 *
 * @internal
 */
export const limitOf = (cause: unknown, context: Context.Context<never> | undefined): number | undefined => {
  const applied = typeof cause === "object" && cause !== null ? (cause as { maxBytes?: unknown }).maxBytes : undefined
  if (typeof applied === "number" && Number.isSafeInteger(applied) && applied >= 0) return applied
  const configured = context === undefined ? undefined : Context.get(context, HttpIncomingMessage.MaxBodySize)
  if (configured === undefined) return undefined
  const bytes = Number(configured)
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined
}

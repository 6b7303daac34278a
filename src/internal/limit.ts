/**
 * A request body over the server's limits, as the fault both interpreters that read HTTP requests
 * answer it with (the HTTP middleware, JSON-RPC over HTTP).
 *
 * @internal
 */
import { Context } from "effect"
import { HttpIncomingMessage, HttpServerError, Multipart } from "effect/http"
import * as Fault from "../Fault.ts"

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

/**
 * The `ContentTooLarge` (outbound) a request-reading failure stands for: a body over `MaxBodySize`,
 * read whole or as multipart, or a multipart part, field or part count over its own limit;
 * `undefined` for any other failure.
 *
 * @internal
 */
export const contentTooLargeOf = (
  failure: unknown,
  context: Context.Context<never> | undefined
): Fault.ContentTooLarge | undefined => {
  if (HttpServerError.isHttpServerError(failure)) {
    const reason = failure.reason
    return reason._tag === "RequestParseError" && reason.reason === "BodyTooLarge"
      ? new Fault.ContentTooLarge({ direction: "outbound", limitBytes: limitOf(reason.cause, context) })
      : undefined
  }
  if (Multipart.isMultipartError(failure)) {
    switch (failure.reason._tag) {
      case "BodyTooLarge":
        return new Fault.ContentTooLarge({ direction: "outbound", limitBytes: limitOf(failure.reason.cause, context) })
      // each has a limit of its own (a file's, a field's, a count): not the body's
      case "FileTooLarge":
      case "FieldTooLarge":
      case "TooManyParts":
        return new Fault.ContentTooLarge({ direction: "outbound" })
    }
  }
  return undefined
}

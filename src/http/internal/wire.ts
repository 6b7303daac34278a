/**
 * Helpers shared by the written-and-read dialects: tolerant JSON reading (never throws),
 * `Retry-After`, and the checks that turn untrusted members into a `Trust.Received`.
 *
 * @internal
 */
import type * as Exposure from "../../Exposure.ts"
import * as read from "./read.ts"

/**
 * Writes a view's fields onto a body: violations as their own member, the other fields under
 * `fields` (only when there are some). Shared by the JSON dialects.
 *
 * @internal
 */
export const putFields = (body: Record<string, unknown>, view: Exposure.PublicView): void => {
  const fields = view.fields
  if (fields === undefined) return
  if (view.violations !== undefined) {
    body.violations = view.violations
    let rest: Record<string, unknown> | undefined
    for (const key in fields) if (key !== "violations") (rest ??= {})[key] = fields[key]
    if (rest !== undefined) body.fields = rest
    return
  }
  for (const _ in fields) {
    body.fields = fields
    return
  }
}

// `JSON.parse` accepts only JSON whitespace before the document; `read.parseJson` also skips a BOM
// and control characters, which these readers keep rejecting as they always have.
const startsWithObject = (text: string): boolean => {
  let i = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    // JSON whitespace: space, tab, line feed, carriage return
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break
    i++
  }
  return text.charCodeAt(i) === 123 /* { */
}

/** A JSON object, or `undefined` for anything else (bad JSON, arrays, scalars). Never throws. @internal */
export const parseObject = (text: string): Record<string, unknown> | undefined => {
  if (!startsWithObject(text)) return undefined
  const value = read.parseJson(text)
  return read.isRecord(value) ? value : undefined
}

/**
 * A response's body as a JSON object ({@link parseObject}), through `read.bodyJson`: the body is
 * parsed once for all the dialects the client tries on it.
 *
 * @internal
 */
export const bodyObject = (incoming: { readonly body: string }): Record<string, unknown> | undefined => {
  if (!startsWithObject(incoming.body)) return undefined
  const value = read.bodyJson(incoming)
  return read.isRecord(value) ? value : undefined
}

/** @internal */
export const stringOr = (u: unknown): string | undefined => typeof u === "string" ? u : undefined

/** @internal */
export const finiteOr = (u: unknown): number | undefined => typeof u === "number" && Number.isFinite(u) ? u : undefined

/** Seconds on the wire (possibly fractional) back to whole milliseconds. @internal */
export const secondsToMs = (u: unknown): number | undefined => {
  const s = finiteOr(u)
  if (s === undefined || s < 0) return undefined
  // a finite but huge number of seconds (1e306) overflows to Infinity once in milliseconds
  const ms = Math.round(s * 1000)
  return Number.isFinite(ms) ? ms : undefined
}

/** Whole seconds for a `Retry-After` header, never below 1 for a positive wait. @internal */
export const retryAfterHeader = (ms: number): string => String(Math.ceil(ms / 1000))

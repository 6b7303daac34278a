/**
 * Picks the dialect of an error response: the app's dialects in preference order, narrowed by the
 * request's `Accept` header (RFC 9110 §12.5.1: media ranges with `q` weights, wildcards). When the
 * client accepts none of them, or sends no `Accept`, the app's first dialect answers: an error
 * response is better than a 406.
 *
 * @since 0.1.0
 */
import type * as Dialect from "./Dialect.ts"

interface Range {
  readonly type: string
  readonly subtype: string
  readonly q: number
  readonly index: number
}

const parse = (accept: string): Array<Range> => {
  const out: Array<Range> = []
  const parts = accept.split(",")
  for (let i = 0; i < parts.length && i < 32; i++) {
    const [media, ...params] = parts[i]!.split(";")
    const trimmed = media!.trim().toLowerCase()
    const slash = trimmed.indexOf("/")
    if (slash <= 0) continue
    let q = 1
    for (const p of params) {
      const [k, v] = p.split("=")
      if (k?.trim().toLowerCase() === "q") {
        const n = Number(v?.trim())
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1
      }
    }
    out.push({ type: trimmed.slice(0, slash), subtype: trimmed.slice(slash + 1), q, index: i })
  }
  // highest weight first; among equals, more specific first, then the client's order
  return out.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index)
}

const specificity = (r: Range) => r.type === "*" ? 0 : r.subtype === "*" ? 1 : 2

const matches = (range: Range, dialect: Dialect.Dialect): boolean => {
  if (range.type === "*") return true
  if (range.subtype === "*") return dialect.contentType.startsWith(`${range.type}/`)
  return dialect.accepts(`${range.type}/${range.subtype}`)
}

/**
 * The dialect for an `Accept` header among `dialects` (preference order; the first is the default).
 *
 * @example
 * ```ts
 * import { CodeMessage, Ec2, Negotiate, Problem } from "effect-faults/http"
 *
 * const dialects = [Problem.dialect, CodeMessage.dialect, Ec2.dialect]
 * console.log(Negotiate.choose(dialects, "application/xml").name) // "ec2"
 * console.log(Negotiate.choose(dialects, "text/html").name) // "problem"
 * ```
 *
 * @category negotiation
 * @since 0.1.0
 */
export const choose = <D extends Dialect.Dialect>(
  dialects: readonly [D, ...Array<D>],
  accept: string | undefined
): D => {
  if (accept === undefined || accept.length === 0 || dialects.length === 1) return dialects[0]
  for (const range of parse(accept)) {
    if (range.q === 0) continue
    if (range.type === "*") return dialects[0]
    for (const d of dialects) if (matches(range, d)) return d
  }
  return dialects[0]
}

/**
 * A chooser bound to one app's dialects that remembers its answer per `Accept` value (clients send a
 * handful of distinct values; the memory is capped).
 *
 * @example
 * ```ts
 * import { CodeMessage, Negotiate, Problem } from "effect-faults/http"
 *
 * const pick = Negotiate.make([Problem.dialect, CodeMessage.dialect])
 * console.log(pick("application/json").name) // "code-message"
 * ```
 *
 * @category negotiation
 * @since 0.1.0
 */
export const make = <D extends Dialect.Dialect>(
  dialects: readonly [D, ...Array<D>],
  options?: { readonly cacheSize?: number | undefined }
): (accept: string | undefined) => D => {
  const cacheSize = options?.cacheSize ?? 256
  const cache = new Map<string, D>()
  return (accept) => {
    if (accept === undefined) return dialects[0]
    let d = cache.get(accept)
    if (d === undefined) {
      d = choose(dialects, accept)
      if (cache.size >= cacheSize) cache.clear()
      cache.set(accept, d)
    }
    return d
  }
}

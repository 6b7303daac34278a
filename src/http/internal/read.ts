/**
 * Tolerant readers for the client's decoders: JSON, media types, `Retry-After` and protobuf-JSON
 * durations (XML is read by the core reader, `internal/xml.ts`). Every function is total: whatever
 * the input, it answers or says `undefined`, and never throws. Linear in the input (no backtracking
 * regular expressions over untrusted bodies).
 *
 * @internal
 */

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** @internal */
export const str = (u: unknown): string | undefined => typeof u === "string" && u.length > 0 ? u : undefined

/** Any JSON value, or `undefined` when the text is not JSON. @internal */
export const parseJson = (text: string): unknown => {
  // quick reject: JSON documents we care about start with { or [ (after whitespace)
  let i = 0
  while (i < text.length && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 0xfeff)) i++
  const c = text[i]
  if (c !== "{" && c !== "[") return undefined
  try {
    return JSON.parse(i === 0 ? text : text.slice(i))
  } catch {
    return undefined
  }
}

/**
 * A response's body as JSON ({@link parseJson}), parsed once per response however many dialects
 * ask: the client tries several on one error body. Keyed by the response object itself, never by
 * the text, so two responses with the same body never share one parsed value. Values are only
 * read, never mutated.
 *
 * @internal
 */
export const bodyJson = (incoming: { readonly body: string }): unknown => {
  if (incoming !== lastIncoming) {
    lastIncoming = incoming
    lastBody = parseJson(incoming.body)
  }
  return lastBody
}

let lastIncoming: object | undefined
let lastBody: unknown

/**
 * A copy of a response under another content type (the body looked like something else than it was
 * labelled), keeping the body already parsed for the original.
 *
 * @internal
 */
export const relabel = <A extends { readonly body: string; readonly headers: Readonly<Record<string, unknown>> }>(
  incoming: A,
  contentType: string
): A => {
  const copy = { ...incoming, headers: { ...incoming.headers, "content-type": contentType } }
  if (lastIncoming === incoming) lastIncoming = copy
  return copy
}

/** The media type of a content-type header: lower-case, parameters dropped; "" when absent. @internal */
export const mediaType = (contentType: string | undefined): string => {
  if (typeof contentType !== "string") return ""
  // the client and then the dialect it picks both ask about the same header: answer twice, work once
  if (contentType === lastContentType) return lastMediaType
  const semi = contentType.indexOf(";")
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  lastContentType = contentType
  lastMediaType = media
  return media
}

let lastContentType: string | undefined
let lastMediaType = ""

/** Whether a media type is JSON (`application/json`, `…+json`, AWS's `application/x-amz-json-1.1`). @internal */
export const isJsonMedia = (media: string): boolean =>
  media === "application/json" || media.endsWith("+json") || media.startsWith("application/x-amz-json")

/** Whether a media type is XML. @internal */
export const isXmlMedia = (media: string): boolean =>
  media === "application/xml" || media === "text/xml" || media.endsWith("+xml")

/**
 * `Retry-After` in both RFC 9110 forms: delta-seconds, or an HTTP-date relative to `now`. Absurd
 * values (negative, not finite, beyond a year) are ignored.
 *
 * @internal
 */
export const parseRetryAfter = (value: unknown, now: number): number | undefined => {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) return undefined
  const trimmed = value.trim()
  if (/^\d{1,9}$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000
    return ms <= maxDelayMs ? ms : undefined
  }
  // an HTTP-date names its weekday first: do not let Date.parse read "12" or "1e3" as a date
  if (!/^[A-Za-z]{3},? /.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return undefined
  const ms = Math.max(0, date - now)
  return ms <= maxDelayMs ? ms : undefined
}

const maxDelayMs = 366 * 24 * 3600 * 1000

/** A protobuf-JSON `Duration` (`"1.5s"`) or `{ seconds, nanos }` in milliseconds. @internal */
export const parseDuration = (u: unknown): number | undefined => {
  if (typeof u === "string") {
    const m = /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(u.trim())
    if (m === null) return undefined
    const ms = Number(m[1]) * 1000 + (m[2] === undefined ? 0 : Math.round(Number(`0.${m[2]}`) * 1000))
    return ms <= maxDelayMs ? ms : undefined
  }
  if (isRecord(u)) {
    const seconds = typeof u.seconds === "string" ? Number(u.seconds) : u.seconds
    const nanos = typeof u.nanos === "number" ? u.nanos : 0
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0 || !Number.isFinite(nanos)) {
      return undefined
    }
    const ms = Math.round(seconds * 1000 + nanos / 1e6)
    return ms >= 0 && ms <= maxDelayMs ? ms : undefined
  }
  return undefined
}

/** Cuts text to at most `max` characters, marking the cut. @internal */
export const excerpt = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max)}…`

/** A header from a lower-case record, tolerating non-string values a hostile peer or a test puts there. @internal */
export const header = (headers: Readonly<Record<string, unknown>>, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : undefined
}

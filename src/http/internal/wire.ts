/**
 * Helpers shared by the written-and-read dialects: tolerant JSON and XML reading (never throws),
 * XML escaping, `Retry-After`, and the checks that turn untrusted members into a `Trust.Received`.
 *
 * @internal
 */
import type * as Fault from "../../Fault.ts"

const expectedValues: ReadonlySet<string> = new Set([
  "RetryNow",
  "RetryLater",
  "ReconnectAndRetry",
  "TryAlternative",
  "FixRequest",
  "Reauthenticate",
  "DoNotRetry",
  "CallOperator"
])

/** @internal */
export const isExpected = (u: unknown): u is Fault.Expected => typeof u === "string" && expectedValues.has(u)

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** A JSON object, or `undefined` for anything else (bad JSON, arrays, scalars). Never throws. @internal */
export const parseObject = (text: string): Record<string, unknown> | undefined => {
  if (text.length === 0) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return isRecord(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** @internal */
export const stringOr = (u: unknown): string | undefined => typeof u === "string" ? u : undefined

/** @internal */
export const finiteOr = (u: unknown): number | undefined => typeof u === "number" && Number.isFinite(u) ? u : undefined

/** Seconds on the wire (possibly fractional) back to whole milliseconds. @internal */
export const secondsToMs = (u: unknown): number | undefined => {
  const s = finiteOr(u)
  return s === undefined || s < 0 ? undefined : Math.round(s * 1000)
}

/**
 * `Retry-After` in both forms RFC 9110 allows: delta-seconds or an HTTP-date (relative to `now`).
 *
 * @internal
 */
export const parseRetryAfter = (value: string | undefined, now: number = Date.now()): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Whole seconds for a `Retry-After` header, never below 1 for a positive wait. @internal */
export const retryAfterHeader = (ms: number): string => String(Math.ceil(ms / 1000))

/** The media type of a content-type header, lower-case, parameters dropped. @internal */
export const mediaType = (contentType: string | undefined): string => {
  if (contentType === undefined) return ""
  const semi = contentType.indexOf(";")
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

const xmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" }
// eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
const notXml =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// eslint-disable-next-line no-control-regex -- as above: one test decides whether any work is needed
const special = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/

/**
 * Escapes text for XML element content (`&`, `<`, `>`; the dialects write no attributes), and drops
 * the characters XML 1.0 cannot carry at all (C0 controls other than tab/newline/CR, lone
 * surrogates, U+FFFE/U+FFFF). Text with none of them (the common case) is returned as is.
 *
 * @internal
 */
export const escapeXml = (text: string): string =>
  special.test(text) ? text.replace(notXml, "").replace(/[&<>]/g, (c) => xmlEscapes[c]!) : text

const namedEntities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** Reverses {@link escapeXml} and numeric character references; unknown entities are kept as is. @internal */
export const unescapeXml = (text: string): string =>
  text.indexOf("&") === -1 ?
    text :
    text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return namedEntities[ref] ?? whole
    })

/** The text of the first `<name>…</name>` inside `xml`, unescaped; CDATA sections are read as is. @internal */
export const xmlText = (xml: string, name: string): string | undefined => {
  const open = xml.indexOf(`<${name}>`)
  if (open === -1) {
    // an empty element `<Name/>` reads as the empty string
    return xml.includes(`<${name}/>`) ? "" : undefined
  }
  const start = open + name.length + 2
  const close = xml.indexOf(`</${name}>`, start)
  if (close === -1) return undefined
  const raw = xml.slice(start, close)
  const cdata = /^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/.exec(raw)
  return cdata !== null ? cdata[1] : unescapeXml(raw)
}

/** A header value from a lower-case record. @internal */
export const header = (headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined =>
  headers[name]

/**
 * Tolerant reading of the few XML elements the envelopes and answers use (escaping is the core's).
 * Reading never throws and matches elements by local name, whatever their namespace prefix.
 *
 * @internal
 */
import * as xml from "../../internal/xml.ts"

/** Escapes element content and drops what XML 1.0 cannot carry. @internal */
export const escape: (text: string) => string = xml.escape

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const cache = new Map<string, RegExp>()

/**
 * The text of the first element with this local name (any prefix, any attributes), unescaped;
 * `undefined` when absent. Bounded: element content is plain text here, no nesting is followed.
 *
 * @internal
 */
export const text = (body: string, localName: string): string | undefined => {
  let re = cache.get(localName)
  if (re === undefined) {
    const n = escapeRegExp(localName)
    re = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${n}(?:\\s[^<>]*)?(?:/>|>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${n}\\s*>)`)
    cache.set(localName, re)
  }
  const m = re.exec(body)
  return m === null ? undefined : xml.unescape(m[1] ?? "").trim()
}

/**
 * Tolerant reading and safe writing of the few XML elements the envelopes and answers use. Reading
 * never throws and matches elements by local name, whatever their namespace prefix.
 *
 * @internal
 */

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** @internal */
export const unescape = (text: string): string =>
  text.indexOf("&") === -1 ?
    text :
    text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return entities[ref] ?? whole
    })

// dropping the control characters XML 1.0 forbids is the point
const forbidden =
  // oxlint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Escapes element content and drops what XML 1.0 cannot carry. @internal */
export const escape = (text: string): string =>
  text
    .replace(forbidden, "")
    .replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"))

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const cache = new Map<string, RegExp>()

/**
 * The text of the first element with this local name (any prefix, any attributes), unescaped;
 * `undefined` when absent. Bounded: element content is plain text here, no nesting is followed.
 *
 * @internal
 */
export const text = (xml: string, localName: string): string | undefined => {
  let re = cache.get(localName)
  if (re === undefined) {
    const n = escapeRegExp(localName)
    re = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${n}(?:\\s[^<>]*)?(?:/>|>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${n}\\s*>)`)
    cache.set(localName, re)
  }
  const m = re.exec(xml)
  return m === null ? undefined : unescape(m[1] ?? "").trim()
}

/** Whether an element with this local name opens somewhere in the document. @internal */
export const has = (xml: string, localName: string): boolean =>
  new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${escapeRegExp(localName)}[\\s/>]`).test(xml)

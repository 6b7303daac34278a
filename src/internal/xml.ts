/**
 * The few XML operations the interpreters need (HTTP dialects, secure envelopes): escaping element
 * content and reading elements back, tolerant of anything (never throws) and linear in the input
 * (`indexOf` scans, no backtracking expression over a body). Shared by `http` and `secure`, so it
 * lives in the core.
 *
 * @internal
 */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" }
// matching the control characters XML forbids is the point
const notXml =
  // oxlint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// oxlint-disable-next-line no-control-regex -- as above: one test decides whether any work is needed
const special = /[&<>\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/

/**
 * Escapes text for element content (`&`, `<`, `>`; no attributes are written) and drops what XML 1.0
 * cannot carry (C0 controls other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF). Text with
 * none of them (the common case) is returned as is.
 *
 * @internal
 */
export const escape = (text: string): string =>
  special.test(text) ? text.replace(notXml, "").replace(/[&<>]/g, (c) => escapes[c]!) : text

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

/** Unescapes entities and character references; unknown or out-of-range ones are kept. @internal */
export const unescape = (text: string): string =>
  text.indexOf("&") === -1 ?
    text :
    text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return entities[ref] ?? whole
    })

/** @internal */
export interface Element {
  /** The content, as written: not unescaped, CDATA kept. */
  readonly raw: string
  /** The index just after the closing tag. */
  readonly end: number
}

// a namespace prefix is an XML name: a letter or `_`, then letters, digits, `_`, `.`, `-`
const isNameChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45
const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13
const maxPrefix = 64

/**
 * The first element named `name` at or after `from`: `<name>` or `<name attr="…">` (not
 * `<nameOther>`), and with `anyPrefix` also `<p:name …>` whatever the prefix `p` (the envelopes
 * are read by local name), closed by `</name>` (or `</p:name>`, whitespace allowed before `>`).
 * `<name/>` is an empty element. An element whose closing tag never comes ends the search: each
 * tag is looked for once, so the reading stays linear on hostile input.
 *
 * @internal
 */
export const element = (xml: string, name: string, from = 0, anyPrefix = false): Element | undefined => {
  // without a prefix to allow for, the `<` is part of what is looked for
  const needle = anyPrefix ? name : `<${name}`
  const offset = anyPrefix ? 0 : 1
  let at = from
  for (;;) {
    const found = xml.indexOf(needle, at)
    if (found === -1) return undefined
    const i = found + offset
    at = i + 1
    const after = xml.charCodeAt(i + name.length)
    if (!(after === 62 /* > */ || after === 47 /* / */ || isSpace(after))) continue
    let prefix = ""
    const before = xml.charCodeAt(i - 1)
    if (before !== 60 /* < */) {
      if (!anyPrefix || before !== 58 /* : */) continue
      let j = i - 2
      while (j >= 0 && i - 2 - j < maxPrefix && isNameChar(xml.charCodeAt(j))) j--
      if (j < 0 || xml.charCodeAt(j) !== 60 || j === i - 2 || !isNameStart(xml.charCodeAt(j + 1))) continue
      prefix = xml.slice(j + 1, i)
    }
    const gt = xml.indexOf(">", i + name.length)
    if (gt === -1) return undefined
    if (xml.charCodeAt(gt - 1) === 47) return { raw: "", end: gt + 1 }
    const closing = `</${prefix}${name}`
    for (let c = xml.indexOf(closing, gt + 1); c !== -1; c = xml.indexOf(closing, c + 1)) {
      let k = c + closing.length
      while (isSpace(xml.charCodeAt(k))) k++
      if (xml.charCodeAt(k) === 62) return { raw: xml.slice(gt + 1, c), end: k + 1 }
    }
    return undefined
  }
}

/**
 * The text of the first element named `name` (see {@link element}): CDATA read as is, otherwise
 * unescaped; trimmed unless `exact` (a dialect that wrote the text itself reads it back to the byte).
 *
 * @internal
 */
export const text = (
  xml: string,
  name: string,
  options?: { readonly from?: number; readonly exact?: boolean; readonly anyPrefix?: boolean }
): string | undefined => {
  const found = element(xml, name, options?.from ?? 0, options?.anyPrefix ?? false)
  if (found === undefined) return undefined
  const exact = options?.exact === true
  const raw = exact ? found.raw : found.raw.trim()
  const cdata = exact
    ? /^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/.exec(raw)?.[1]
    : raw.startsWith("<![CDATA[") && raw.endsWith("]]>")
    ? raw.slice(9, -3)
    : undefined
  return cdata ?? unescape(raw)
}

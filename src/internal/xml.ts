/**
 * The few XML operations the interpreters need (HTTP dialects, secure envelopes): escaping element
 * content and reading elements back, tolerant of anything (never throws). Shared by `http` and
 * `secure`, so it lives in the core.
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

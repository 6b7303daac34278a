/**
 * Tolerant reading of the few XML elements the envelopes and answers use, by local name whatever
 * their namespace prefix (the core's reader; escaping is the core's too). Never throws.
 *
 * @internal
 */
import * as xml from "../../internal/xml.ts"

/** Escapes element content and drops what XML 1.0 cannot carry. @internal */
export const escape: (text: string) => string = xml.escape

/**
 * The text of the first element with this local name (any prefix, any attributes), unescaped and
 * trimmed; `undefined` when absent.
 *
 * @internal
 */
export const text = (body: string, localName: string): string | undefined =>
  xml.text(body, localName, { anyPrefix: true })

/**
 * Field violations from Schema issues, with or without the offending values.
 *
 * @internal
 */
import { SchemaIssue } from "effect"
import type * as Fault from "../../Fault.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const fieldOf = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string => {
  if (path === undefined || path.length === 0) return "$"
  let out = ""
  for (const segment of path) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

// "Expected string, got 42" → "Expected string": the received value is withheld when it is not the reader's own data.
const withoutReceived = (message: string): string => {
  const i = message.indexOf(", got ")
  return i === -1 ? message : message.slice(0, i)
}

const expectedOf = (message: string): string | undefined => {
  const m = /^Expected ([^,]*)/.exec(message)
  return m === null ? undefined : m[1]
}

/**
 * The violations a Schema issue describes. `received: false` drops the offending values (the
 * default for data that is not the reader's own, such as a server's answer).
 *
 * @internal
 */
export const fromIssue = (
  issue: SchemaIssue.Issue,
  options?: { readonly received?: boolean | undefined }
): Array<Fault.FieldViolation> => {
  const keepReceived = options?.received ?? false
  const out: Array<Fault.FieldViolation> = []
  for (const entry of formatter(issue).issues) {
    const message = keepReceived ? entry.message : withoutReceived(entry.message)
    const expected = expectedOf(entry.message)
    out.push(
      expected === undefined ? { field: fieldOf(entry.path), message } : {
        field: fieldOf(entry.path),
        message,
        expected
      }
    )
    if (out.length >= 50) break // bounded: a hostile or huge payload must not make a huge fault
  }
  return out
}

/**
 * Violations parsed back from the text Effect's default issue formatter writes
 * (`"<message>\n  at <path>"`, one entry per line pair): what an Effect RPC server sends when it
 * rejects a payload.
 *
 * @internal
 */
export const fromFormatted = (
  text: string,
  options?: { readonly dropPrefix?: string | undefined }
): Array<Fault.FieldViolation> => {
  const lines = text.split("\n")
  const out: Array<Fault.FieldViolation> = []
  for (let i = 0; i < lines.length && out.length < 50; i++) {
    const line = lines[i]!
    if (line.startsWith("  at ")) continue
    const next = lines[i + 1]
    const field = next !== undefined && next.startsWith("  at ")
      ? fieldOfFormatted(next.slice(5), options?.dropPrefix)
      : "$"
    const expected = expectedOf(line)
    out.push(expected === undefined ? { field, message: line } : { field, message: line, expected })
  }
  return out
}

// `["a"]["b"][1]` → `a.b[1]`, the notation `fromIssue` writes; unparsable paths are kept as they are.
const fieldOfFormatted = (path: string, dropPrefix: string | undefined): string => {
  const segments: Array<PropertyKey> = []
  const re = /\[("(?:[^"\\]|\\.)*"|\d+)\]/gy
  let match: RegExpExecArray | null
  while ((match = re.exec(path)) !== null) {
    const raw = match[1]!
    try {
      segments.push(raw.startsWith("\"") ? JSON.parse(raw) as string : Number(raw))
    } catch {
      return path
    }
    if (re.lastIndex === path.length) break
  }
  if (segments.length === 0 || re.lastIndex !== path.length) return path
  if (dropPrefix !== undefined && segments[0] === dropPrefix) segments.shift()
  return fieldOf(segments)
}

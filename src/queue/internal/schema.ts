import { SchemaIssue } from "effect"
import type * as Fault from "../../Fault.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Field violations of a schema issue, at most 50 (a hostile body may have thousands). @internal */
export const violationsOf = (issue: SchemaIssue.Issue): Array<Fault.FieldViolation> =>
  formatter(issue).issues.slice(0, 50).map((i) => ({
    field: i.path === undefined || i.path.length === 0
      ? "(root)"
      : i.path.map((p) => String(typeof p === "object" && p !== null ? (p as { key: PropertyKey }).key : p)).join("."),
    message: i.message.length > 500 ? i.message.slice(0, 500) : i.message
  }))

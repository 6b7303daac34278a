/**
 * What the server middleware makes of anything a handler failed with: a fault as is, a route miss as
 * `NotFound`, a request that failed its schema as an outbound `SchemaViolation` with field
 * violations, a request that did not parse as `NotWellFormed`, a body over the server's limit as
 * `ContentTooLarge` (413); `undefined` for anything else (the caller makes it an `InternalError`,
 * keeping the original as the local-only cause, for the logs).
 *
 * @internal
 */
import { Context, Schema, SchemaIssue } from "effect"
import { HttpServerError, Multipart } from "effect/http"
import { HttpApiError } from "effect/http-api"

import * as Fault from "../../Fault.ts"
import { contentTooLargeOf } from "../../internal/limit.ts"
import { excerpt } from "./read.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const maxViolations = 50
const maxText = 256

const clip = (s: string) => excerpt(s, maxText)

/** Field violations of a Schema issue, path joined with dots (capped). @internal */
export const violationsOf = (issue: SchemaIssue.Issue, prefix?: string): Array<Fault.FieldViolation> => {
  const issues = formatter(issue).issues
  const out: Array<Fault.FieldViolation> = []
  for (let i = 0; i < issues.length && i < maxViolations; i++) {
    const it = issues[i]!
    const path = it.path === undefined
      ? []
      : it.path.map((p) => typeof p === "object" && p !== null ? String((p as any).key) : String(p))
    const field = [prefix, ...path].filter((s) => s !== undefined && s !== "").join(".")
    out.push({ field: clip(field === "" ? "(root)" : field), message: clip(it.message) })
  }
  return out
}

const pathOf = (url: string) => {
  const q = url.indexOf("?")
  return clip(q === -1 ? url : url.slice(0, q))
}

/**
 * The fault for a failure, and whether it is an incident (unhandled) rather than an answer. The
 * request fiber's context, when given, supplies the body limit a too-large body is reported with.
 *
 * @internal
 */
export const classify = (
  failure: unknown,
  context?: Context.Context<never>
): { readonly fault: Fault.Fault; readonly unhandled: boolean } | undefined => {
  if (Fault.isFault(failure)) return { fault: failure, unhandled: failure.category === "internal" }
  if (HttpServerError.isHttpServerError(failure)) {
    const reason = failure.reason
    switch (reason._tag) {
      case "RouteNotFound":
        return {
          fault: new Fault.NotFound({
            resource: "route",
            id: `${reason.request.method} ${pathOf(reason.request.url)}`
          }),
          unhandled: false
        }
      case "RequestParseError":
        return {
          fault: contentTooLargeOf(failure, context) ??
            new Fault.NotWellFormed({ format: "http", direction: "outbound", reason: "request could not be parsed" }),
          unhandled: false
        }
      default:
        return { fault: new Fault.InternalError({ cause: failure }), unhandled: true }
    }
  }
  if (Multipart.isMultipartError(failure)) {
    const tooLarge = contentTooLargeOf(failure, context)
    if (tooLarge !== undefined) return { fault: tooLarge, unhandled: false }
    if (failure.reason._tag === "Parse") {
      return {
        fault: new Fault.NotWellFormed({
          format: "multipart",
          direction: "outbound",
          reason: "request could not be parsed"
        }),
        unhandled: false
      }
    }
    return undefined
  }
  if (Schema.isSchemaError(failure)) {
    return {
      fault: new Fault.SchemaViolation({ direction: "outbound", violations: violationsOf(failure.issue) }),
      unhandled: false
    }
  }
  if (HttpApiError.HttpApiSchemaError.is(failure)) {
    if (failure.kind === "Body" || failure.kind === "ResponseHeaders") {
      return { fault: new Fault.InternalError({ cause: failure }), unhandled: true }
    }
    return {
      fault: new Fault.SchemaViolation({
        direction: "outbound",
        violations: violationsOf(failure.cause.issue, failure.kind.toLowerCase())
      }),
      unhandled: false
    }
  }
  return undefined
}

/** Method and path (never the query string, which may carry tokens) for log lines. @internal */
export const requestDetail = (method: string, url: string): Record<string, unknown> => ({ method, path: pathOf(url) })

/**
 * OpenAPI from a catalog, exactly as the OAS error-message guide asks: one `components.responses`
 * entry per response code, beginning with a description addressed to the implementer of the server;
 * a body with the required `code` (integer, int32, minimum = maximum = the status) and `message` (a
 * single-value enum: the fixed message), plus `expectation-to-the-client` (a single-value enum) when
 * the entry expects something of the client; the headers `x-correlator` (UUID pattern) and
 * `exec-time` (integer, ms) on every response, `Retry-After` where the entry implies it. Operations
 * reference them by `$ref`, and {@link merge} adds all of it to what `OpenApi.fromApi` generated.
 *
 * Entries that share a status (a catalog of built-in faults has several 400s and 502s) share one
 * response whose body is a `oneOf` of their schemas and whose description lists each case.
 *
 * @since 0.1.0
 */
import type { OpenApi as EffectOpenApi } from "effect/http-api"
import type * as Catalog from "../Catalog.ts"
import * as CodeMessage from "./CodeMessage.ts"

/**
 * The UUID pattern of `x-correlator` in the guide.
 *
 * @example
 * ```ts
 * import { OpenApi } from "effect-faults/http"
 *
 * console.log(new RegExp(OpenApi.uuidPattern).test("3fa85f64-5717-4562-b3fc-2c963f66afa6")) // true
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const uuidPattern = "^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$"

/**
 * A response object of `components.responses`.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { OpenApi } from "effect-faults/http"
 *
 * const r532: OpenApi.ResponseObject | undefined = OpenApi.responses(Catalog.gateway)["532"]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ResponseObject {
  readonly description: string
  readonly headers: Record<
    string,
    { readonly description: string; readonly required?: boolean; readonly schema: Record<string, unknown> }
  >
  readonly content: Record<string, { readonly schema: Record<string, unknown> }>
}

/**
 * Options of {@link responses} and {@link merge}.
 *
 * @example
 * ```ts
 * import { OpenApi } from "effect-faults/http"
 *
 * const options: OpenApi.Options = { operations: (path) => path.startsWith("/devices") }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The correlation header name. Default `x-correlator`. */
  readonly correlationHeader?: string | undefined
  /** The exec-time header name. Default `exec-time`. */
  readonly execTimeHeader?: string | undefined
  /**
   * Which operations reference the catalog's responses (all by default), and which codes (all, or
   * the ones returned).
   */
  readonly operations?: ((path: string, method: string) => boolean | ReadonlyArray<string>) | undefined
}

/**
 * The body schema of one entry, as the guide writes it.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { OpenApi } from "effect-faults/http"
 *
 * const schema = OpenApi.bodySchema(Catalog.get(Catalog.gateway, "UpstreamNotResponding")!)
 * console.log(schema.required) // ["code", "message"]
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const bodySchema = (
  entry: Catalog.Entry
): { type: "object"; required: Array<string>; properties: Record<string, unknown> } => {
  const required = ["code", "message"]
  const properties: Record<string, unknown> = {
    code: { type: "integer", format: "int32", minimum: entry.status, maximum: entry.status },
    message: { type: "string", enum: [entry.title] }
  }
  if (entry.expectation !== undefined) {
    required.push(CodeMessage.expectationKey)
    properties[CodeMessage.expectationKey] = { type: "string", enum: [entry.expectation] }
  }
  // the optional attributes this library's dialect adds to help the client act
  properties.reason = { type: "string", enum: [entry.code], description: "The stable machine code." }
  properties.detail = { type: "string", description: "A more specific public message, when there is one." }
  properties.correlator = { type: "string", description: "The correlation id of the request." }
  if (entry.headers?.includes("retry-after") === true) {
    properties.retryAfter = { type: "number", minimum: 0, description: "Seconds to wait before retrying." }
  }
  return { type: "object", required, properties }
}

const headersOf = (
  entries: ReadonlyArray<Catalog.Entry>,
  correlationHeader: string,
  execTimeHeader: string
): ResponseObject["headers"] => {
  const headers: Record<string, { description: string; required?: boolean; schema: Record<string, unknown> }> = {
    [correlationHeader]: {
      description: "The correlation id of the request: echoed when the request carried one, generated otherwise.",
      required: true,
      schema: { type: "string", pattern: uuidPattern }
    },
    [execTimeHeader]: {
      description: "How long the server took to handle the request, in milliseconds.",
      required: true,
      schema: { type: "integer" }
    }
  }
  if (entries.some((e) => e.headers?.includes("retry-after") === true)) {
    headers["Retry-After"] = {
      description: "Seconds to wait before retrying.",
      schema: { type: "integer", minimum: 0 }
    }
  }
  if (entries.some((e) => e.status === 401 || e.headers?.includes("www-authenticate") === true)) {
    headers["WWW-Authenticate"] = { description: "The authentication scheme to use.", schema: { type: "string" } }
  }
  return headers
}

const byStatus = (catalog: Catalog.Catalog): Map<number, Array<Catalog.Entry>> => {
  const groups = new Map<number, Array<Catalog.Entry>>()
  for (const entry of catalog.entries) {
    const group = groups.get(entry.status)
    if (group === undefined) groups.set(entry.status, [entry])
    else group.push(entry)
  }
  return groups
}

/**
 * The `components.responses` of a catalog, keyed by response code.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { OpenApi } from "effect-faults/http"
 *
 * const responses = OpenApi.responses(Catalog.gateway)
 * console.log(Object.keys(responses)) // ["429", "460", "461", "470", "471", "502", "530", "531", "532", "533", "550"]
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const responses = (catalog: Catalog.Catalog, options?: Options): Record<string, ResponseObject> => {
  const correlationHeader = options?.correlationHeader ?? "x-correlator"
  const execTimeHeader = options?.execTimeHeader ?? "exec-time"
  const out: Record<string, ResponseObject> = {}
  for (const [status, entries] of [...byStatus(catalog)].sort((a, b) => a[0] - b[0])) {
    const description = entries.length === 1
      ? entries[0]!.description
      : entries.map((e) => `${e.code}: ${e.description}`).join("\n\n")
    const schema = entries.length === 1 ? bodySchema(entries[0]!) : { oneOf: entries.map(bodySchema) }
    out[String(status)] = {
      description,
      headers: headersOf(entries, correlationHeader, execTimeHeader),
      content: { [CodeMessage.contentType]: { schema } }
    }
  }
  return out
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const

/**
 * Adds a catalog's responses to a generated OpenAPI document (`OpenApi.fromApi`): the responses go
 * into `components.responses`, and every selected operation answers each of their codes with a
 * `$ref` (replacing what was generated for the same code).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi as EffectOpenApi } from "effect/http-api"
 * import { Catalog } from "effect-faults"
 * import { OpenApi } from "effect-faults/http"
 *
 * class Api extends HttpApi.make("gateway").add(
 *   HttpApiGroup.make("devices").add(HttpApiEndpoint.get("get", "/devices/:id", { params: { id: Schema.String } }))
 * ) {}
 * const spec = OpenApi.merge(EffectOpenApi.fromApi(Api), Catalog.gateway)
 * console.log(spec.paths["/devices/{id}"]?.get?.responses["532"]) // { $ref: "#/components/responses/532" }
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const merge = <Spec extends EffectOpenApi.OpenAPISpec>(
  spec: Spec,
  catalog: Catalog.Catalog,
  options?: Options
): Spec & { readonly components: { readonly responses: Record<string, ResponseObject> } } => {
  const generated = responses(catalog, options)
  const codesByStatus = new Map<string, ReadonlyArray<string>>()
  for (const [status, entries] of byStatus(catalog)) codesByStatus.set(String(status), entries.map((e) => e.code))
  const paths: Record<string, any> = {}
  for (const [path, item] of Object.entries(spec.paths as Record<string, any>)) {
    const nextItem: Record<string, any> = { ...item }
    for (const method of methods) {
      const operation = item[method]
      if (operation === undefined) continue
      const selected = options?.operations === undefined ? true : options.operations(path, method)
      if (selected === false) continue
      const opResponses: Record<string, unknown> = { ...operation.responses }
      for (const status of Object.keys(generated)) {
        if (selected !== true && !codesByStatus.get(status)!.some((c) => selected.includes(c))) continue
        opResponses[status] = { $ref: `#/components/responses/${status}` }
      }
      nextItem[method] = { ...operation, responses: opResponses }
    }
    paths[path] = nextItem
  }
  const components = spec.components as unknown as Record<string, unknown>
  return {
    ...spec,
    paths,
    components: {
      ...components,
      responses: { ...(components.responses as Record<string, ResponseObject> | undefined), ...generated }
    }
  } as any
}

/**
 * Faults as `HttpApi` endpoint errors. {@link error} turns a fault class (built-in, user-defined, or
 * the class behind a catalog entry) into a Schema that HttpApi renders, documents and decodes by
 * itself: its encoded side is the problem+json body of this library's `Problem` dialect with the
 * fault's code fixed, annotated with the status (`httpApiStatus`) and the `application/problem+json`
 * encoding, the same annotations Effect's own `HttpApiError.Problem` carries. Encoding goes through
 * the public view (so a 5xx fault is redacted exactly as the middleware would), and the typed
 * `HttpApiClient` decodes the body back into the fault class, marked as received. Rendering one calls
 * the `Report.handled` hook (source `http-api`).
 *
 * @since 0.1.0
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { ProblemDetails } from "effect/http"
import { HttpApiSchema } from "effect/http-api"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as answer from "./internal/answer.ts"
import * as Problem from "./Problem.ts"

/**
 * Options of {@link error}.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { HttpApi } from "effect-faults/http"
 *
 * const options: HttpApi.ErrorOptions = { catalog: Catalog.gateway }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ErrorOptions {
  /** The catalog whose entry for the class decides status, title and expectation. */
  readonly catalog?: Catalog.Catalog | undefined
  /** The status to declare when the class's status depends on the instance. */
  readonly status?: number | undefined
  /** The problem `type` URI of a code. */
  readonly typeUri?: ((code: string) => string) | undefined
}

type FaultClassLike<F> = (abstract new(...args: any) => F) & { readonly [Fault.TypeId]: Fault.Descriptor }

/**
 * The schema of a fault class as an HttpApi endpoint error.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { HttpApi } from "effect-faults/http"
 *
 * const notFound: HttpApi.FaultError<Fault.NotFound> = HttpApi.error(Fault.NotFound)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FaultError<F> extends
  HttpApiSchema.encodeToWithHeaders<
    Schema.declare<F>,
    Schema.decodeTo<Schema.declare<F>, typeof Problem.Body>,
    typeof answerHeaders
  >
{}

/**
 * Declares a fault class as an HttpApi endpoint error: rendered as problem+json with the class's
 * status, documented in OpenAPI, decoded back by `HttpApiClient`.
 *
 * Declare faults the client may see whole: 4xx faults, or those marked `public`. A non-public 5xx
 * fault is redacted on the wire like everywhere else, so its fields never reach the client and the
 * typed client cannot rebuild it (it reports a decoding failure instead). For a class whose status
 * depends on the instance, pass the status to declare in `options.status`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
 * import { Fault } from "effect-faults"
 * import { HttpApi } from "effect-faults/http"
 *
 * const getOrder = HttpApiEndpoint.get("getOrder", "/orders/:id", {
 *   params: { id: Schema.String },
 *   success: Schema.Struct({ id: Schema.String }),
 *   error: [HttpApi.error(Fault.NotFound), HttpApi.error(Fault.RateLimited)]
 * })
 * const handler = ({ params }: { params: { id: string } }) => Effect.fail(new Fault.NotFound({ resource: "order", id: params.id }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const error = <F extends Fault.Fault>(faultClass: FaultClassLike<F>, options?: ErrorOptions): FaultError<F> => {
  const d = faultClass[Fault.TypeId]
  const own = Catalog.entryOf(faultClass)
  const viewCatalog = options?.catalog ?? Catalog.make([own])
  const entry = options?.catalog?.byCode.get(d.code) ?? own
  // decoding maps the code back to this very class, whatever the catalog entry says
  const trust: Trust.Options = {
    mode: "trust",
    catalog: Catalog.make([{ ...entry, fault: faultClass }]),
    protocol: "http"
  }
  const status = options?.status ?? entry.status
  const typeUri = options?.typeUri ?? Problem.defaultTypeUri
  const body = Problem.Body.annotate({
    identifier: `${d.tag}Problem`,
    title: entry.title,
    description: entry.description
  })
  const declared = Schema.declare<F>((u): u is F => u instanceof (faultClass as any), {
    identifier: d.tag
  })
  const problem = body.pipe(
    Schema.decodeTo(
      declared,
      SchemaTransformation.transformEffect({
        decode: (problem, parseOptions) => {
          const fault = Trust.toFault(Problem.fromProblemDetails(problem, status), trust)
          return fault instanceof (faultClass as any)
            ? Effect.succeed(fault as F)
            : Effect.fail(
              new SchemaIssue.InvalidValue(
                { message: `not a ${d.code} problem` } as any,
                problem as any,
                parseOptions as any
              )
            )
        },
        // encoding happens when the server renders the error: the moment it becomes an answer
        // under the same exposure settings as the middleware's answers (generic message, traces)
        encode: (fault) =>
          Effect.withFiber((fiber) => {
            const view = Exposure.view(fault, {
              catalog: viewCatalog,
              correlationId: fiber.getRef(Correlation.CorrelationId),
              dialect: "problem",
              config: fiber.getRef(Exposure.CurrentConfig)
            })
            return Effect.as(
              Report.handled(fault, { source: "http-api" }),
              Problem.toProblemDetails(view, typeUri) as typeof Problem.Body.Type
            )
          })
      })
    )
  ).annotate({
    httpApiStatus: status,
    "~httpApiEncoding": { _tag: "Json", contentType: ProblemDetails.contentType }
  } as any)
  // HttpApi writes a response from the encoded side alone: the headers the fault implies
  // (`Retry-After`, `WWW-Authenticate`, by the middleware's rules) travel as encoded headers, and
  // OpenAPI documents them. Only the fields the catalog publishes may feed a header.
  const publicFields = entry.publicFields
  return declared.pipe(
    HttpApiSchema.encodeToWithHeaders({ body: problem, headers: status === 401 ? answerHeaders : retryHeader }, {
      decode: ({ body }) => body,
      encode: (fault) => {
        const headers: Record<string, string> = {}
        answer.putHeaders(
          fault.retryAfterMs,
          status === 401 ? fieldsShown(fault, publicFields) : undefined,
          status,
          headers
        )
        return { body: fault, headers }
      }
    })
  ) as any
}

const retryHeader = { "retry-after": Schema.optional(Schema.String) }
// `WWW-Authenticate` only where the status calls for it (401), in OpenAPI too
const answerHeaders = { ...retryHeader, "www-authenticate": Schema.optional(Schema.String) }

const fieldsShown = (fault: Fault.Fault, names: ReadonlyArray<string> | undefined): Record<string, unknown> => {
  const fields = Exposure.fieldsOf(fault)
  if (names === undefined) return fields
  const out: Record<string, unknown> = {}
  for (const name of names) if (Object.hasOwn(fields, name)) out[name] = fields[name]
  return out
}

/**
 * Every catalog entry that names its fault class, as endpoint errors (the catalog decides status,
 * title, description and expectation).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HttpApiEndpoint } from "effect/http-api"
 * import { Catalog, Fault } from "effect-faults"
 * import { HttpApi } from "effect-faults/http"
 *
 * const catalog = Catalog.fromFaults([Fault.NotFound, Fault.Conflict, Fault.RateLimited])
 * const put = HttpApiEndpoint.put("putOrder", "/orders/:id", { params: { id: Schema.String }, error: HttpApi.errors(catalog) })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const errors = (
  catalog: Catalog.Catalog,
  options?: Omit<ErrorOptions, "catalog" | "status">
): Array<FaultError<Fault.Fault>> => {
  const out: Array<FaultError<Fault.Fault>> = []
  for (const entry of catalog.entries) {
    if (entry.fault !== undefined) out.push(error(entry.fault as FaultClassLike<Fault.Fault>, { ...options, catalog }))
  }
  return out
}

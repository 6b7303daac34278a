/**
 * The server middleware: one global `HttpRouter` middleware that makes every response of an app
 * answer failures correctly.
 *
 * - correlation in: the id of the request (`x-correlator`, `x-correlation-id`, `x-request-id`,
 *   `traceparent`, validated by `Correlation.fromHeaders`) or a fresh one, in fiber context and on
 *   every log line;
 * - on EVERY response, success included: the correlation header (`x-correlator`) and `exec-time`
 *   (milliseconds spent in the app);
 * - typed faults: encoded through their public view (`Exposure.view`) in the dialect the app prefers
 *   and the client accepts, with `Retry-After` when the fault says when to retry and
 *   `WWW-Authenticate` on 401;
 * - request decoding failures (`Schema` errors from the `HttpServerRequest` schema helpers, HttpApi
 *   request schema errors) → `SchemaViolation` (outbound, 400) with field violations;
 * - route misses → `NotFound` (404); unparsable requests → `NotWellFormed` (400); a body over
 *   `HttpIncomingMessage.MaxBodySize` → `ContentTooLarge` (413, outbound, with `limitBytes`);
 * - unknown errors and defects → `InternalError` (500), redacted on the wire, logged with their cause;
 * - a non-fault error that renders itself (`HttpServerRespondable`, e.g. HttpApi's built-in errors)
 *   keeps its own response, with the headers above;
 * - every failure goes through the `Report` hooks (`handled`, or `unhandled` for incidents).
 *
 * @since 0.1.0
 */
import { Cause, Context, Effect, Function, Layer, References } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import { firstFailure } from "../internal/cause.ts"
import * as Report from "../Report.ts"
import * as CodeMessage from "./CodeMessage.ts"
import type * as Dialect from "./Dialect.ts"
import * as Ec2 from "./Ec2.ts"
import * as answer from "./internal/answer.ts"
import { classify, requestDetail } from "./internal/classify.ts"
import * as Negotiate from "./Negotiate.ts"
import * as Problem from "./Problem.ts"

/**
 * A dialect that can write responses.
 *
 * @example
 * ```ts
 * import { Middleware } from "effect-faults/http"
 *
 * const text: Middleware.Writer = {
 *   name: "text",
 *   contentType: "text/plain",
 *   accepts: (media) => media === "text/plain",
 *   encode: (view) => ({ status: view.status, contentType: "text/plain", body: `${view.code}: ${view.message}` }),
 *   decode: () => undefined
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Writer = Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded }

/**
 * Options of the middleware.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { CodeMessage, Middleware, Problem } from "effect-faults/http"
 *
 * const options: Middleware.Options = { dialects: [CodeMessage.dialect, Problem.dialect], catalog: Catalog.gateway }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The dialects the app speaks, in preference order; the first answers when `Accept` picks none. */
  readonly dialects?: readonly [Writer, ...Array<Writer>] | undefined
  /** Choose among `dialects` by the request's `Accept`. Default true. */
  readonly negotiate?: boolean | undefined
  /** The catalog that decides codes, statuses and fixed messages. Default: `Catalog.Current`. */
  readonly catalog?: Catalog.Catalog | undefined
  /** The exec-time header name (`exec-time`); `false` to leave it off. */
  readonly execTimeHeader?: string | false | undefined
  /** The `source` on Report hook calls. Default `http`. */
  readonly source?: string | undefined
}

/**
 * The dialects of an app that does not say: problem+json first, then `{code, message}` for
 * `Accept: application/json`, then EC2 XML for `Accept: application/xml`.
 *
 * @example
 * ```ts
 * import { Middleware } from "effect-faults/http"
 *
 * console.log(Middleware.defaultDialects.map((d) => d.name)) // ["problem", "code-message", "ec2"]
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const defaultDialects: readonly [Writer, ...Array<Writer>] = [Problem.dialect, CodeMessage.dialect, Ec2.dialect]

interface Compiled {
  readonly pick: (accept: string | undefined) => Writer
  readonly catalog: Catalog.Catalog | undefined
  readonly execTimeHeader: string | false
  readonly source: string
}

const compile = (options?: Options): Compiled => {
  const dialects = options?.dialects ?? defaultDialects
  const first = dialects[0]
  return {
    pick: options?.negotiate === false ? () => first : Negotiate.make(dialects),
    catalog: options?.catalog,
    execTimeHeader: options?.execTimeHeader ?? "exec-time",
    source: options?.source ?? "http"
  }
}

// a fault's own correlation id may come from anywhere: only visible ASCII goes into a header
const headerSafe = /^[\x21-\x7e]{1,256}$/

/**
 * The response for a public view in a dialect, with the headers the view implies (`Retry-After`,
 * `WWW-Authenticate`) and the correlation header. `exec-time` is added by the middleware.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Middleware, Problem } from "effect-faults/http"
 *
 * const res = Middleware.toResponse(Exposure.view(new Fault.RateLimited({ retryAfterMs: 2000 })), Problem.dialect)
 * console.log(res.status, res.headers["retry-after"]) // 429 "2"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toResponse = (
  view: Exposure.PublicView,
  dialect: Writer,
  correlationHeader: string = Correlation.defaultConfig.responseHeader,
  extraHeaders?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  respond(view, dialect, correlationHeader, extraHeaders === undefined ? {} : { ...extraHeaders })

// `headers` is owned by the caller and completed in place (one object less per error response).
const respond = (
  view: Exposure.PublicView,
  dialect: Writer,
  correlationHeader: string,
  headers: Record<string, string>
): HttpServerResponse.HttpServerResponse => {
  const encoded = dialect.encode(view)
  if (encoded.headers !== undefined) {
    for (const key in encoded.headers) if (headers[key] === undefined) headers[key] = encoded.headers[key]!
  }
  if (
    view.correlationId !== undefined && headers[correlationHeader] === undefined && headerSafe.test(view.correlationId)
  ) {
    headers[correlationHeader] = view.correlationId
  }
  answer.putHeaders(view.retryAfterMs, view.fields, encoded.status, headers)
  // Node refuses statuses outside 200-599 (it would answer an empty 500 instead); a dialect may answer
  // failures with 200 (OpenADR's oadrResponse does)
  const status = encoded.status >= 200 && encoded.status <= 599 ? encoded.status : 500
  return HttpServerResponse.text(encoded.body, { status, contentType: encoded.contentType, headers })
}

const render = (
  compiled: Compiled,
  fiberContext: Context.Context<never>,
  request: HttpServerRequest.HttpServerRequest,
  cause: Cause.Cause<unknown>,
  correlationId: string,
  correlationHeader: string,
  finish: (response: HttpServerResponse.HttpServerResponse) => HttpServerResponse.HttpServerResponse,
  execTime: ((headers: Record<string, string>) => void) | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown> => {
  const failure = firstFailure(cause)
  // only interruptions (the client went away): nothing to answer
  if (failure === undefined) return Effect.failCause(cause)
  const value = failure.value
  const context: Report.Context = { source: compiled.source, detail: requestDetail(request.method, request.url) }
  // HttpApi turns request decoding errors into defects: those are still the client's fault
  const classified = failure.defect && Fault.isFault(value) ? undefined : classify(value, fiberContext)
  // a non-fault that renders itself (HttpApi's own errors, a user's Respondable) keeps its response
  if (classified === undefined && !failure.defect && HttpServerRespondable.isRespondable(value)) {
    return Effect.flatMap(
      HttpServerRespondable.toResponseOrElse(value, HttpServerResponse.empty({ status: 500 })),
      (response) =>
        Effect.as(
          response.status >= 500
            ? Report.unhandled(new Fault.InternalError({ cause: value }), context)
            // an answer all the same: reported as handled, under the status it was answered with
            : Report.handled(new Fault.BadStatus({ statusCode: response.status, cause: value }), context),
          finish(response)
        )
    )
  }
  const { fault, unhandled } = classified ??
    { fault: new Fault.InternalError({ cause: value }) as Fault.Fault, unhandled: true }
  const dialect = compiled.pick(request.headers.accept)
  const config = Context.get(fiberContext, Exposure.CurrentConfig)
  let view = Exposure.view(fault, {
    dialect: dialect.name,
    catalog: compiled.catalog ?? Context.get(fiberContext, Catalog.Current),
    correlationId,
    config
  })
  // an unknown error or defect is wrapped just above: with traces on, send its own trace, not the
  // wrapper's (which would only point at this function)
  if (classified === undefined && view.trace !== undefined) {
    view = { ...view, trace: Exposure.view(value, { config }).trace }
  }
  // the response header always echoes the request's id, even when the fault carries another one
  const extra: Record<string, string> = { [correlationHeader]: correlationId }
  if (execTime !== undefined) execTime(extra)
  const response = respond(view, dialect, correlationHeader, extra)
  return Effect.as(unhandled ? Report.unhandled(fault, context) : Report.handled(fault, context), response)
}

/**
 * The middleware function itself, for `HttpRouter.middleware(..., { global: true })` or to wrap any
 * `HttpEffect` (an app served with `HttpServer.serve`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpServerResponse } from "effect/http"
 * import { Middleware } from "effect-faults/http"
 *
 * const app = Middleware.make()(Effect.succeed(HttpServerResponse.text("ok")))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: Options) => {
  const compiled = compile(options)
  const execTimeHeader = compiled.execTimeHeader
  return <E, R>(
    httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
    Effect.withFiber((fiber) => {
      const start = performance.now()
      const context = fiber.context as Context.Context<never>
      const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
      const config = fiber.getRef(Correlation.CurrentConfig)
      const accepted = Correlation.fromHeaders(request.headers, config)
      const id = accepted.id
      const responseHeader = config.responseHeader
      const finish = (response: HttpServerResponse.HttpServerResponse) => {
        // two setHeader calls copy less than one setHeaders with a record
        const withId = HttpServerResponse.setHeader(response, responseHeader, id)
        return execTimeHeader === false
          ? withId
          : HttpServerResponse.setHeader(withId, execTimeHeader, String(Math.round(performance.now() - start)))
      }
      const stamp = execTimeHeader === false ? undefined : (headers: Record<string, string>) => {
        headers[execTimeHeader] = String(Math.round(performance.now() - start))
      }
      const handled = Effect.matchCauseEffect(httpEffect, {
        onSuccess: (response) => Effect.succeed(finish(response)),
        onFailure: (cause) => render(compiled, context, request, cause, id, responseHeader, finish, stamp)
      }) as Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
      // Correlation.withId without its two scoped context updates: each request runs in its own fiber
      // whose context the server restores when the request ends (HttpRouter does the same for routes),
      // so the id is set once for the rest of the request, the server's own log line included.
      const annotations = fiber.getRef(References.CurrentLogAnnotations)
      fiber.setContext(
        Context.add(
          Context.add(context, Correlation.CorrelationId, id),
          References.CurrentLogAnnotations,
          { ...annotations, correlationId: id }
        )
      )
      return accepted.rejected.length === 0 ? handled : Effect.andThen(Correlation.warnRejected(accepted), handled)
    })
}

/**
 * The middleware as a global `HttpRouter` middleware layer: merge it with the routes.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Fault } from "effect-faults"
 * import { Middleware } from "effect-faults/http"
 *
 * const App = Layer.mergeAll(
 *   HttpRouter.add("GET", "/orders/:id", Effect.fail(new Fault.NotFound({ resource: "order" }))),
 *   Middleware.layer()
 * )
 * const Server = HttpRouter.serve(App)
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.middleware(make(options) as any, { global: true }) as any

/**
 * Renders whatever an effect failed with as a fault response (no correlation, no exec-time): for
 * code that answers outside the router (a custom `HttpServer.serve` app, a test).
 *
 * @example
 * ```ts
 * import { Cause, Effect } from "effect"
 * import { HttpServerRequest } from "effect/http"
 * import { Fault } from "effect-faults"
 * import { Middleware } from "effect-faults/http"
 *
 * const respond = (exit: Effect.Effect<never, Fault.NotFound>) => Effect.catchCause(exit, Middleware.fromCause())
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const fromCause = (options?: Options) => {
  const compiled = compile(options)
  return (
    cause: Cause.Cause<unknown>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest> =>
    Effect.withFiber((fiber) => {
      const context = fiber.context as Context.Context<never>
      const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
      const config = fiber.getRef(Correlation.CurrentConfig)
      const id = fiber.getRef(Correlation.CorrelationId) ?? Correlation.fromHeaders(request.headers, config).id
      return render(compiled, context, request, cause, id, config.responseHeader, Function.identity, undefined)
    })
}

/**
 * An HTTP client whose calls fail only with faults. It wraps Effect's `HttpClient` (any layer:
 * `FetchHttpClient`, `NodeHttpClient.layerUndici`, `NodeHttpClient.layerNodeHttp`) and:
 *
 * - sends the correlation id (`Correlation.currentOrGenerate`) as `x-correlator` on every request,
 *   and keeps the one the server answers with on the fault;
 * - classifies transport failures through `Network` (refused, DNS, reset, TLS, timeouts), looking
 *   through Effect's `HttpClientError` to the Node / undici code, with the phase;
 * - reads error bodies up to a small limit (never the whole body: a 10 MB error page costs what
 *   the limit costs) and decodes them with the dialects, by content type first, then by sniffing:
 *   RFC 9457 problems, Google-style errors, the `{code,message}` body, EC2 / AWS XML and JSON, HTML
 *   from a proxy; what none recognises becomes `BadStatus` with a bounded excerpt;
 * - reads `Retry-After` (delta-seconds and HTTP-date) into `retryAfterMs`;
 * - applies the trust mode per client: `distrust` (the default) turns every remote failure into
 *   one `RemoteFault`; `trust` maps the remote code back through a catalog to the typed fault,
 *   marked received.
 *
 * Success bodies are read with {@link bodyJson} / {@link bodyText}, which also fail only with
 * faults (`NotWellFormed`, `ContentTooLarge` over `maxBytes`, or `SchemaViolation` inbound, with
 * field violations).
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Schema, SchemaAST } from "effect"
import type { HttpClientResponse } from "effect/http"
import { HttpClient, HttpClientError, HttpClientRequest } from "effect/http"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Fault from "../Fault.ts"
import * as Network from "../Network.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as Aws from "./Aws.ts"
import * as CodeMessage from "./CodeMessage.ts"
import type * as Dialect from "./Dialect.ts"
import * as Ec2 from "./Ec2.ts"
import * as Google from "./Google.ts"
import * as Html from "./Html.ts"
import * as body from "./internal/body.ts"
import { violationsOf } from "./internal/classify.ts"
import * as read from "./internal/read.ts"
import * as Problem from "./Problem.ts"

// -----------------------------------------------------------------------------
// Configuration
// -----------------------------------------------------------------------------

/**
 * How many bytes of an error body the client reads (default 16 KiB). The rest is never read: the
 * stream is cancelled at the limit, with every client layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-faults/http"
 *
 * const withBiggerLimit = <A, E, R>(self: Effect.Effect<A, E, R>) =>
 *   Effect.provideService(self, Client.MaxErrorBodyBytes, 64 * 1024)
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const MaxErrorBodyBytes: Context.Reference<number> = body.MaxErrorBodyBytes

/**
 * The dialects tried on an error body, in sniffing order: problem+json, Google-style, `{code,message}`,
 * EC2 XML, AWS XML/JSON, HTML. Those whose media type matches the response's content type go first.
 *
 * @example
 * ```ts
 * import { Client } from "effect-faults/http"
 *
 * console.log(Client.defaultDialects.map((d) => d.name)) // ["problem", "google", "code-message", "ec2", "aws", "html"]
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const defaultDialects: ReadonlyArray<Dialect.Dialect> = [
  Problem.dialect,
  Google.dialect,
  CodeMessage.dialect,
  Ec2.dialect,
  Aws.dialect,
  Html.dialect
]

/**
 * How a client reads failures.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Client } from "effect-faults/http"
 *
 * const options: Client.Options = { trust: "trust", catalog: Catalog.builtin, timeout: "5 seconds", maxErrorBodyBytes: 4096 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The trust mode of this client; otherwise `Trust.CurrentMode` (default `distrust`). */
  readonly trust?: Trust.Mode | undefined
  /** The catalog remote codes are mapped back through in trust mode; otherwise `Catalog.Current`. */
  readonly catalog?: Catalog.Catalog | undefined
  /** The dialects tried on error bodies; {@link defaultDialects} by default. */
  readonly dialects?: ReadonlyArray<Dialect.Dialect> | undefined
  /** The error-body limit in bytes; otherwise {@link MaxErrorBodyBytes}. */
  readonly maxErrorBodyBytes?: number | undefined
  /** A budget for each call (until the status line, and the error body when there is one). */
  readonly timeout?: Duration.Input | undefined
  /** Which statuses are answers rather than failures; 2xx by default. */
  readonly isSuccess?: ((status: number) => boolean) | undefined
  /** Whether received failures go through `Report.received` (default true). */
  readonly report?: boolean | undefined
}

/**
 * What {@link decode} needs besides the response.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Client } from "effect-faults/http"
 *
 * const options: Client.DecodeOptions = { mode: "distrust", catalog: Catalog.builtin, now: Date.now() }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DecodeOptions {
  readonly mode: Trust.Mode
  readonly catalog: Catalog.Catalog
  readonly dialects?: ReadonlyArray<Dialect.Dialect> | undefined
  /** The clock, for `Retry-After` HTTP-dates. */
  readonly now: number
  /** The correlation id the request was sent with (used when the server answers with none). */
  readonly sentCorrelationId?: string | undefined
  /** The URL called, kept on `BadStatus`. */
  readonly url?: string | undefined
  /** The response header carrying the server's correlation id (default `x-correlator`). */
  readonly correlationHeader?: string | undefined
}

// -----------------------------------------------------------------------------
// Decoding
// -----------------------------------------------------------------------------

const maxExcerpt = 512
const maxCode = 256
const maxCorrelationId = 256

const validStatus = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 100 && u <= 599

const tryDecode = (dialect: Dialect.Dialect, incoming: Dialect.Incoming): Trust.Received | undefined => {
  try {
    const received = dialect.decode(incoming)
    return received !== undefined && typeof received.code === "string" && received.code.length > 0
      ? received
      : undefined
  } catch {
    // a dialect must never throw; a user's might
    return undefined
  }
}

/**
 * What the dialects make of an error response: the first that recognises it, trying those whose
 * media type matches the content type first, then sniffing with the others in order. `undefined`
 * when none does.
 *
 * @example
 * ```ts
 * import { Client } from "effect-faults/http"
 *
 * const r = Client.recognise({ status: 404, headers: { "content-type": "application/problem+json" }, body: '{"type":"urn:fault:NotFound","title":"Not found","status":404}', truncated: false })
 * console.log(r?.code) // "NotFound"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const recognise = (
  incoming: Dialect.Incoming,
  dialects: ReadonlyArray<Dialect.Dialect> = defaultDialects
): Trust.Received | undefined => {
  const media = read.mediaType(read.header(incoming.headers, "content-type"))
  let tried: Array<boolean> | undefined
  if (media !== "") {
    for (let i = 0; i < dialects.length; i++) {
      const dialect = dialects[i]!
      let accepts = false
      try {
        accepts = dialect.accepts(media)
      } catch {
        accepts = false
      }
      if (!accepts) continue
      ;(tried ??= [])[i] = true
      const received = tryDecode(dialect, incoming)
      if (received !== undefined) return received
    }
  }
  for (let i = 0; i < dialects.length; i++) {
    if (tried?.[i] === true) continue
    const received = tryDecode(dialects[i]!, incoming)
    if (received !== undefined) return received
  }
  // the content type lied (JSON sent as text/plain, XML as JSON): read the body as what it looks like
  const sniffed = sniff(incoming.body)
  if (sniffed === undefined || sniffed === media) return undefined
  const relabelled = read.relabel(incoming, sniffed)
  for (let i = 0; i < dialects.length; i++) {
    const received = tryDecode(dialects[i]!, relabelled)
    if (received !== undefined) return received
  }
  return undefined
}

/**
 * The media type a body looks like: JSON, HTML or XML, by its first characters; `undefined` for
 * anything else.
 *
 * @example
 * ```ts
 * import { Client } from "effect-faults/http"
 *
 * console.log(Client.sniff('{"type":"about:blank"}'), Client.sniff("<!DOCTYPE html>"), Client.sniff("busy"))
 * // "application/json" "text/html" undefined
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const sniff = (text: string): string | undefined => {
  if (typeof text !== "string") return undefined
  let i = 0
  while (i < text.length && i < 1024 && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 0xfeff)) i++
  const c = text[i]
  if (c === "{" || c === "[") return "application/json"
  if (c !== "<") return undefined
  return Html.looksLikeHtml(text.slice(i, i + 512)) ? "text/html" : "application/xml"
}

/**
 * The received failure with every member checked (a hostile peer chooses them): code and message
 * bounded, status an HTTP status, `expected` a known value, delays finite; the server's correlation
 * header first, then the body's, then the id sent.
 */
const toFault = (
  received: Trust.Received,
  incoming: Dialect.Incoming,
  retryAfterMs: number | undefined,
  serverCid: string | undefined,
  options: DecodeOptions
): Fault.Fault => {
  const code = received.code.length > maxCode ? received.code.slice(0, maxCode) : received.code
  const status = validStatus(received.status)
    ? received.status
    : validStatus(incoming.status)
    ? incoming.status
    : undefined
  const message = typeof received.message === "string" ? read.excerpt(received.message, 2 * maxExcerpt) : undefined
  const expected = Fault.isExpected(received.expected)
    ? received.expected
    : undefined
  const retry = typeof received.retryAfterMs === "number" && Number.isFinite(received.retryAfterMs) &&
      received.retryAfterMs >= 0
    ? received.retryAfterMs
    : retryAfterMs
  const correlationId = serverCid ??
    (typeof received.correlationId === "string" && received.correlationId.length <= maxCorrelationId
      ? received.correlationId
      : options.sentCorrelationId)
  const fields = received.fields !== undefined && read.isRecord(received.fields) ? received.fields : undefined
  // distrust: Trust.toFault builds the RemoteFault directly, no Schema decode on the hot path
  return Trust.toFault(
    { code, status, message, expected, retryAfterMs: retry, correlationId, fields, failure: received.failure },
    { mode: options.mode, catalog: options.catalog, protocol: "http" }
  )
}

/**
 * Turns an error response into a fault. Total: whatever the status, headers and body (truncated,
 * lying about its content type, random bytes), it returns a fault and never throws.
 *
 * - a dialect recognises the body → the received failure, through the trust mode (`RemoteFault` in
 *   distrust; the catalog's typed fault marked received in trust);
 * - otherwise → `BadStatus` with a bounded excerpt of the body.
 *
 * `Retry-After` (both forms) fills `retryAfterMs` when the body does not say it; the server's
 * correlation header wins over the body's and over the id the request was sent with.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Client } from "effect-faults/http"
 *
 * const incoming = {
 *   status: 503,
 *   headers: { "content-type": "text/plain", "retry-after": "120", "x-correlator": "c-1" },
 *   body: "busy",
 *   truncated: false
 * }
 * const f = Client.decode(incoming, { mode: "distrust", catalog: Catalog.builtin, now: Date.now() })
 * console.log(f._tag, f.retryAfterMs, f.correlationId) // "BadStatus" 120000 "c-1"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = (incoming: Dialect.Incoming, options: DecodeOptions): Fault.Fault => {
  try {
    const headers = incoming.headers
    const retryAfterMs = read.parseRetryAfter(read.header(headers, "retry-after"), options.now)
    const answered = read.header(headers, options.correlationHeader ?? "x-correlator")
    const serverCid = answered !== undefined && answered.length > 0 && answered.length <= maxCorrelationId
      ? answered
      : undefined
    const received = recognise(incoming, options.dialects ?? defaultDialects)
    if (received !== undefined) {
      return toFault(received, incoming, retryAfterMs, serverCid, options)
    }
    const text = typeof incoming.body === "string" ? incoming.body : ""
    const cut = text.length > maxExcerpt || incoming.truncated
    return new Fault.BadStatus({
      statusCode: validStatus(incoming.status) ? incoming.status : 502,
      excerpt: text.length === 0 ? undefined : `${text.slice(0, maxExcerpt)}${cut ? "…" : ""}`,
      url: options.url,
      retryAfterMs,
      correlationId: serverCid ?? options.sentCorrelationId
    })
  } catch (cause) {
    // unreachable by design; kept so that a bug here is a fault, not a defect
    return new Fault.InternalError({ message: "could not decode the error response", cause })
  }
}

// -----------------------------------------------------------------------------
// Transport and response errors
// -----------------------------------------------------------------------------

// URLs kept on faults and logs lose their query and fragment: tokens and keys travel there
const withoutQuery = (url: string): string => {
  const q = url.search(/[?#]/)
  return q === -1 ? url : url.slice(0, q)
}

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}

// the innermost message: fetch's "fetch failed" says less than the "bad port" under it
const messageOf = (u: unknown): string => {
  let message = typeof u === "string" ? u : "unknown"
  for (let i = 0, e = u; i < 8 && e instanceof Error; i++, e = e.cause) if (e.message.length > 0) message = e.message
  return message
}

/**
 * The fault for anything Effect's `HttpClient` failed with: the transport code under it when there
 * is one (`Network.classify`), otherwise by reason — an unclassified transport failure is a
 * `ConnectionLost` that may have delivered, a body that could not be read or was empty is
 * `NotWellFormed` inbound, a status rejected by a `filterStatus` is `BadStatus`, a bad URL or a
 * request body that could not be encoded is an `InternalError` (a bug here, not the peer's doing).
 *
 * @example
 * ```ts
 * import { HttpClientError, HttpClientRequest } from "effect/http"
 * import { Client } from "effect-faults/http"
 *
 * const request = HttpClientRequest.get("http://vtn.example/events")
 * const error = new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, description: "boom" }) })
 * console.log(Client.fromClientError(error)._tag) // "ConnectionLost"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromClientError = (error: unknown, context?: Network.Context): Fault.Fault => {
  const classified = Network.classify(error, context)
  if (classified !== undefined) return classified
  if (!HttpClientError.isHttpClientError(error)) return Fault.fromUnknown(error)
  const reason = error.reason
  const host = context?.host ?? hostOf(reason.request.url)
  switch (reason._tag) {
    case "TransportError":
      return new Fault.ConnectionLost({
        host,
        reason: reason.description ?? messageOf(reason.cause),
        phase: "MaybeDelivered",
        cause: error
      })
    case "DecodeError":
      return new Fault.NotWellFormed({
        format: "http",
        direction: "inbound",
        reason: reason.description ?? messageOf(reason.cause),
        cause: error
      })
    case "EmptyBodyError":
      return new Fault.NotWellFormed({ format: "http", direction: "inbound", reason: "empty body", cause: error })
    case "StatusCodeError":
      return new Fault.BadStatus({
        statusCode: reason.response.status,
        url: withoutQuery(reason.request.url),
        cause: error
      })
    case "InvalidUrlError":
    case "EncodeError":
      return new Fault.InternalError({
        message: `${reason._tag}: ${reason.description ?? messageOf(reason.cause)}`,
        cause: error
      })
  }
}

// -----------------------------------------------------------------------------
// The client
// -----------------------------------------------------------------------------

/**
 * What a client call fails with: a fault — built-in, or a user's own class in trust mode with a
 * user catalog. Narrow with `Effect.catchTag` and `instanceof`, or read `code`, `expected`, `phase`.
 *
 * @example
 * ```ts
 * import type { Client } from "effect-faults/http"
 *
 * const shouldRetry = (e: Client.Failure) => e.expected === "RetryLater" || e.expected === "RetryNow"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Failure = Fault.Fault

/**
 * An `HttpClient` whose calls fail only with faults.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-faults/http"
 *
 * const health = (client: Client.FaultClient) => client.get("http://127.0.0.1:8080/health").pipe(Effect.map((r) => r.status))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FaultClient extends HttpClient.HttpClient.With<Failure> {}

/**
 * Wraps an `HttpClient` so its calls fail only with faults (see the module description).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FetchHttpClient, HttpClient } from "effect/http"
 * import { Client } from "effect-faults/http"
 *
 * const program = Effect.gen(function*() {
 *   const client = Client.fromClient(yield* HttpClient.HttpClient, { timeout: "5 seconds" })
 *   return yield* client.get("http://127.0.0.1:8080/events") // fails with Fault.Fault only
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromClient = (base: HttpClient.HttpClient, options: Options = {}): FaultClient => {
  const isSuccess = options.isSuccess ?? ((status: number) => status >= 200 && status < 300)
  const report = options.report ?? true
  const afterMs = options.timeout === undefined ? undefined : durationMs(options.timeout)

  const call = (request: HttpClientRequest.HttpClientRequest, sent: string, headerName: string) =>
    Effect.gen(function*() {
      const url = withoutQuery(request.url)
      const operation = `${request.method} ${url}`
      const context: Network.Context = { host: hostOf(request.url), operation, afterMs }
      const response = yield* base.execute(request).pipe(
        Effect.mapError((e) => Fault.withCorrelationId(fromClientError(e, context), sent))
      )
      if (isSuccess(response.status)) return response
      const bounded = yield* body.readErrorBody(response, options.maxErrorBodyBytes).pipe(
        // the body broke off: the transport code when there is one, else what we have is the status
        Effect.catch((e) =>
          Effect.succeed<body.Bounded | Fault.Fault>(
            Network.classify(e, context) ?? { text: "", truncated: true, bytes: 0 }
          )
        )
      )
      if (Fault.isFault(bounded)) {
        const answered = response.headers[headerName]
        return yield* Effect.fail(
          Fault.withCorrelationId(bounded, answered !== undefined && answered.length > 0 ? answered : sent)
        )
      }
      const fault = decode(
        { status: response.status, headers: response.headers, body: bounded.text, truncated: bounded.truncated },
        {
          mode: options.trust ?? (yield* Trust.CurrentMode),
          catalog: options.catalog ?? (yield* Catalog.Current),
          dialects: options.dialects,
          now: yield* Clock.currentTimeMillis,
          sentCorrelationId: sent,
          url,
          correlationHeader: headerName
        }
      )
      if (report) yield* Report.received(fault, { source: "http", detail: { operation, status: response.status } })
      return yield* Effect.fail(fault)
    })

  const send = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.gen(function*() {
      // every outgoing request carries a correlation id: the caller's, the fiber's, or a fresh one
      const headerName = (yield* Correlation.CurrentConfig).responseHeader.toLowerCase()
      let sent = request.headers[headerName]
      if (sent === undefined) {
        sent = yield* Correlation.currentOrGenerate
        request = HttpClientRequest.setHeader(request, headerName, sent)
      }
      if (afterMs === undefined) return yield* call(request, sent, headerName)
      const id = sent
      return yield* Effect.timeoutOrElse(call(request, sent, headerName), {
        duration: afterMs,
        orElse: () =>
          Effect.fail(
            new Fault.Timeout({
              operation: `${request.method} ${withoutQuery(request.url)}`,
              budget: "attempt",
              afterMs,
              phase: "MaybeDelivered",
              correlationId: id
            })
          )
      })
    })

  return HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest, Failure>) => Effect.flatMap(request, send),
    Effect.succeed
  )
}

const durationMs = (input: Duration.Input): number => {
  return Duration.toMillis(input)
}

/**
 * Builds a fault client from the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "effect-faults/http"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* Client.make({ trust: "distrust" })
 *   const res = yield* client.get("http://127.0.0.1:8080/events")
 *   return res.status
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: Options): Effect.Effect<FaultClient, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (base) => fromClient(base, options))

/**
 * The fault client as a service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-faults/http"
 *
 * const events = Client.Client.use((client) => client.get("http://127.0.0.1:8080/events"))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Client extends Context.Service<Client, FaultClient>()("effect-faults/http/Client") {}

/**
 * Provides {@link Client} from the `HttpClient` layer the user picked.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "effect-faults/http"
 *
 * const Live = Client.layer({ trust: "trust" }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Client, never, HttpClient.HttpClient> =>
  Layer.effect(Client, make(options))

// -----------------------------------------------------------------------------
// Success bodies
// -----------------------------------------------------------------------------

/**
 * Options for reading a success body.
 *
 * @example
 * ```ts
 * import { Client } from "effect-faults/http"
 *
 * const options: Client.BodyOptions = { maxBytes: 1024 * 1024 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface BodyOptions {
  /** Read at most this many bytes; a longer body is `ContentTooLarge` inbound. Unbounded by default. */
  readonly maxBytes?: number | undefined
}

/**
 * Reads a response body as text; a transport failure mid-body is its transport fault
 * (`ConnectionLost` that may have delivered), a body over `maxBytes` is `ContentTooLarge` inbound,
 * anything else `NotWellFormed` inbound.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-faults/http"
 *
 * const text = Client.Client.use((client) => client.get("http://127.0.0.1:8080/health").pipe(Effect.flatMap(Client.bodyText())))
 * ```
 *
 * @category bodies
 * @since 0.1.0
 */
export const bodyText =
  (options?: BodyOptions) => (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string, Failure> => {
    const context: Network.Context = {
      host: hostOf(response.request.url),
      operation: `${response.request.method} ${withoutQuery(response.request.url)}`
    }
    if (options?.maxBytes === undefined) return Effect.mapError(response.text, (e) => fromClientError(e, context))
    const max = options.maxBytes
    return body.readBounded(response.stream, max).pipe(
      Effect.catchIf(
        (e) => e.reason._tag === "EmptyBodyError",
        () => Effect.succeed<body.Bounded>({ text: "", truncated: false, bytes: 0 })
      ),
      Effect.mapError((e) => fromClientError(e, context)),
      Effect.flatMap((b) =>
        b.truncated
          ? Effect.fail(
            new Fault.ContentTooLarge({
              direction: "inbound",
              limitBytes: Number.isSafeInteger(max) && max >= 0 ? max : undefined
            })
          )
          : Effect.succeed(b.text)
      )
    )
  }

/**
 * Reads a JSON response body and decodes it with a schema: a body that is not JSON is
 * `NotWellFormed` inbound (with an excerpt), one that breaks the schema is `SchemaViolation`
 * inbound with its field violations (caught here: origin local).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Client } from "effect-faults/http"
 *
 * const Event = Schema.Struct({ id: Schema.String, startsAt: Schema.String })
 * const events = Client.Client.use((client) =>
 *   client.get("http://127.0.0.1:8080/events/1").pipe(Effect.flatMap(Client.bodyJson(Event)))
 * ) // Effect<{ id: string; startsAt: string }, Fault.Fault, Client.Client>
 * ```
 *
 * @category bodies
 * @since 0.1.0
 */
export const bodyJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  options?: BodyOptions
) => {
  // every violation, not only the first: the fault lists what is wrong with the answer
  const decodeJson = Schema.decodeUnknownEffect(schema, { errors: "all" })
  const name = (() => {
    try {
      return SchemaAST.resolveIdentifier(schema.ast)
    } catch {
      return undefined
    }
  })()
  return (response: HttpClientResponse.HttpClientResponse): Effect.Effect<S["Type"], Failure> =>
    Effect.flatMap(bodyText(options)(response), (text) => {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (e) {
        return Effect.fail(
          new Fault.NotWellFormed({
            format: "json",
            direction: "inbound",
            reason: messageOf(e),
            excerpt: read.excerpt(text, 200),
            cause: e
          })
        )
      }
      return decodeJson(json).pipe(
        Effect.mapError((e) =>
          new Fault.SchemaViolation({ direction: "inbound", violations: violationsOf(e.issue), schema: name, cause: e })
        )
      ) as Effect.Effect<S["Type"], Failure>
    })
}

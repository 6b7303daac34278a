/**
 * Effect RPC test peers: a server on 127.0.0.1 port 0 (RpcServer.layerHttp + HttpRouter) and the
 * groups a client and a server disagree on, so that every one of the six failures can happen.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, Schema } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { createServer } from "node:http"
import { Fault, Report } from "../../src/index.ts"
import { EffectRpc } from "../../src/rpc/index.ts"

export const secret = "postgres://admin:s3cr3t-pw@db.internal:5432/prod?token=tok_LIVE_9f8e7d"

export const Record = Schema.Struct({ id: Schema.String, value: Schema.String })

// The server's contract: ids look like "r-<name>".
const ServerGet = Rpc.make("Get", {
  payload: { id: Schema.String.check(Schema.isPattern(/^r-[a-z0-9]+$/)) },
  success: Record,
  error: Fault.NotFound
})
// The client was built against an older, looser contract for arguments and a stricter one for answers.
const ClientGet = Rpc.make("Get", {
  payload: { id: Schema.String.check(Schema.isMinLength(1)) },
  success: Schema.Struct({ id: Schema.String, value: Schema.String.check(Schema.isMaxLength(20)) }),
  error: Fault.NotFound
})
const Slow = Rpc.make("Slow", { payload: { ms: Schema.Number }, success: Schema.String })
// Fails with the built-in fault number `index`, declared or not.
const FailDeclared = Rpc.make("FailDeclared", {
  payload: { index: Schema.Number },
  error: Schema.Union(Fault.builtins)
})
const FailUndeclared = Rpc.make("FailUndeclared", { payload: { index: Schema.Number } })

export class ServerRpcs extends RpcGroup.make(ServerGet, Slow, FailDeclared, FailUndeclared).middleware(
  EffectRpc.FaultMiddleware
) {}
export class ClientRpcs extends RpcGroup.make(ClientGet, Slow, FailDeclared, FailUndeclared).middleware(
  EffectRpc.FaultMiddleware
) {}
// The same group without the middleware: Effect RPC's own behaviour.
export class BareRpcs extends RpcGroup.make(ServerGet, Slow) {}

/** One sample of every built-in fault, with a secret planted in its local cause. */
export const samples: ReadonlyArray<Fault.Fault> = [
  new Fault.Unreachable({ host: "db", reason: "ECONNREFUSED", cause: new Error(secret) }),
  new Fault.TlsRejected({ host: "db", reason: "CERT_HAS_EXPIRED", cause: new Error(secret) }),
  new Fault.ConnectionLost({ reason: "ECONNRESET", phase: "MaybeDelivered", cause: new Error(secret) }),
  new Fault.Timeout({ operation: "query", budget: "response", afterMs: 250, phase: "MaybeDelivered" }),
  new Fault.BadStatus({ statusCode: 503, excerpt: secret }),
  new Fault.NotWellFormed({ format: "json", direction: "outbound", reason: "Unexpected token" }),
  new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 1024 }),
  new Fault.SchemaViolation({ direction: "outbound", violations: [{ field: "id", message: "Expected string" }] }),
  new Fault.NotFound({ resource: "record", id: "42", cause: new Error(secret) }),
  new Fault.InvalidFieldValue({ field: "date", expectedValue: "ISO date", receivedValue: "tomorrow" }),
  new Fault.Conflict({ resource: "record", reason: "version 3 expected" }),
  new Fault.RateLimited({ limit: "10/s", retryAfterMs: 1500 }),
  new Fault.Unauthenticated({ scheme: "Bearer", realm: "api" }),
  new Fault.Forbidden({ action: "delete", resource: "record" }),
  new Fault.Unavailable({ reason: "maintenance", retryAfterMs: 30000 }),
  new Fault.SignatureMissing({ missing: ["content-digest"], presentedBy: "client" }),
  new Fault.SignatureInvalid({ keyId: "k1", algorithm: "ed25519", presentedBy: "client" }),
  new Fault.FingerprintMismatch({ host: "vtn", expectedFingerprint: "AB:CD", presentedFingerprint: "12:34" }),
  new Fault.CertificateExpired({ host: "vtn", notAfter: "2026-01-01T00:00:00.000Z" }),
  new Fault.RemoteFault({ remoteCode: "Boom", remoteMessage: secret, protocol: "http" }),
  new Fault.InternalError({ message: `pool exhausted: ${secret}`, cause: new Error(secret) })
]

export const quiet = Layer.succeed(Report.CurrentHooks, Report.silent)

const handlers = (behaviour: { readonly brokenAnswer: boolean }) => ({
  Get: ({ id }: { readonly id: string }) =>
    id === "r-404"
      ? Effect.fail(new Fault.NotFound({ resource: "record", id }))
      : id === "r-die"
      ? Effect.die(new Error(`connect failed: ${secret}`))
      : id === "r-throw"
      ? Effect.sync(() => {
        throw new TypeError(`cannot read ${secret}`)
      })
      : id === "r-broken" && behaviour.brokenAnswer
      ? Effect.succeed({ id, value: 42 as unknown as string }) // breaks our own success schema
      : id === "r-long"
      ? Effect.succeed({ id, value: "x".repeat(50) }) // valid here, too long for the client
      : id === "r-internal"
      ? Effect.fail(new Fault.InternalError({ message: secret }) as unknown as Fault.NotFound)
      : Effect.succeed({ id, value: `value of ${id}` }),
  Slow: ({ ms }: { readonly ms: number }) => Effect.as(Effect.sleep(ms), "slow done"),
  FailDeclared: ({ index }: { readonly index: number }) => Effect.fail(samples[index] as Fault.Builtin),
  FailUndeclared: ({ index }: { readonly index: number }) => Effect.fail(samples[index] as unknown as never)
})

export type Serialization = "json-rpc" | "json" | "ndjson"
export const serializationLayer = (s: Serialization) =>
  s === "json-rpc"
    ? RpcSerialization.layerJsonRpc()
    : s === "json"
    ? RpcSerialization.layerJson
    : RpcSerialization.layerNdjson

/** Starts a server (scoped) and returns its URL. */
export const startServer = (options: {
  readonly serialization: Serialization
  readonly bare?: boolean
  readonly server?: EffectRpc.ServerOptions
}) =>
  Effect.gen(function*() {
    const ser = serializationLayer(options.serialization)
    const rpcLayer = options.bare
      ? RpcServer.layerHttp({ group: BareRpcs, path: "/rpc", protocol: "http" }).pipe(
        Layer.provide([
          BareRpcs.toLayer({ Get: handlers({ brokenAnswer: true }).Get, Slow: handlers({ brokenAnswer: true }).Slow }),
          ser
        ])
      )
      : RpcServer.layerHttp({ group: ServerRpcs, path: "/rpc", protocol: "http" }).pipe(
        Layer.provide([
          ServerRpcs.toLayer(handlers({ brokenAnswer: true })),
          EffectRpc.layerServer(options.server),
          ser
        ])
      )
    const ServerLive = HttpRouter.serve(rpcLayer, { disableListenLog: true, disableLogger: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide(quiet)
    )
    const context = yield* Layer.build(ServerLive)
    const server = Context.get(context, HttpServer.HttpServer)
    return `${HttpServer.formatAddress(server.address)}/rpc`
  })

export const clientProtocol = (url: string, serialization: Serialization) =>
  RpcClient.layerProtocolHttp({ url }).pipe(Layer.provide([FetchHttpClient.layer, serializationLayer(serialization)]))

/** A loopback port nobody listens on (bound, then closed). */
export const closedPort = Effect.callback<number>((resume) => {
  const s = createServer()
  s.listen(0, "127.0.0.1", () => {
    const port = (s.address() as { port: number }).port
    s.close(() => resume(Effect.succeed(port)))
  })
})

import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as grpc from "@grpc/grpc-js"
import { Effect, Schema } from "effect"
import { Catalog, Correlation, Exposure, Fault, Report } from "../../src/index.ts"
import * as Failures from "../../src/rpc/Failures.ts"
import * as Grpc from "../../src/rpc/Grpc.ts"
import { any, P } from "./grpc-support.ts"

// -----------------------------------------------------------------------------
// A generic service with JSON messages (no .proto, no proto-loader)
// -----------------------------------------------------------------------------

const toJson = (value: unknown) => Buffer.from(JSON.stringify(value))
const fromJson = (bytes: Buffer) => JSON.parse(bytes.toString("utf8"))
const method = (name: string): grpc.MethodDefinition<any, any> => ({
  path: `/faults.Test/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: toJson,
  requestDeserialize: fromJson,
  responseSerialize: toJson,
  responseDeserialize: fromJson,
  originalName: name
})
const Service = {
  Raise: method("Raise"),
  Get: method("Get"),
  Slow: method("Slow"),
  Kill: method("Kill"),
  Foreign: method("Foreign")
} satisfies grpc.ServiceDefinition

const SECRET = "s3cr3t-PLANTED-7f3a"

/** One instance of every built-in fault; a secret where it must never cross (causes, 5xx detail). */
const samples: ReadonlyArray<Fault.Fault> = [
  new Fault.Unreachable({ host: `db-${SECRET}`, reason: "ECONNREFUSED", cause: new Error(SECRET) }),
  new Fault.TlsRejected({ host: "vtn.example", reason: `self-signed ${SECRET}` }),
  new Fault.ConnectionLost({ reason: `reset ${SECRET}`, phase: "MaybeDelivered" }),
  new Fault.Timeout({ operation: `SELECT ${SECRET}`, budget: "response", afterMs: 500, phase: "MaybeDelivered" }),
  new Fault.BadStatus({ statusCode: 503, excerpt: SECRET }),
  new Fault.NotWellFormed({ format: "json", direction: "outbound", reason: "unexpected token", cause: SECRET }),
  new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 4_194_304, cause: SECRET }),
  new Fault.SchemaViolation({
    direction: "outbound",
    violations: [{ field: "id", message: "Expected string", expected: "string", received: "42" }],
    schema: "GetRequest"
  }),
  new Fault.NotFound({ resource: "order", id: "42", cause: new Error(SECRET) }),
  new Fault.InvalidFieldValue({ field: "qty", expectedValue: "positive integer", receivedValue: "-1" }),
  new Fault.Conflict({ resource: "order", reason: "already shipped" }),
  new Fault.RateLimited({ limit: "100/min", retryAfterMs: 1500 }),
  new Fault.Unauthenticated({ scheme: "Bearer", realm: "orders" }),
  new Fault.Forbidden({ action: "delete", resource: "order" }),
  new Fault.Unavailable({ reason: "maintenance", retryAfterMs: 30_000 }),
  new Fault.SignatureMissing({ missing: ["content-digest"], presentedBy: "client" }),
  new Fault.SignatureInvalid({ keyId: "k1", algorithm: "ed25519" }),
  new Fault.FingerprintMismatch({ host: "vtn", expectedFingerprint: `AB:${SECRET}`, presentedFingerprint: "12:34" }),
  new Fault.CertificateExpired({ host: "vtn", notAfter: "2026-01-01T00:00:00.000Z", reason: SECRET }),
  new Fault.RemoteFault({ remoteCode: "Boom", remoteMessage: SECRET, remoteStatus: 500, protocol: "http" }),
  new Fault.InternalError({ message: `postgres://admin:${SECRET}@db`, cause: new Error(SECRET) })
]

const expectedCodes: Record<string, string> = {
  Unreachable: "UNAVAILABLE",
  TlsRejected: "UNAVAILABLE",
  ConnectionLost: "UNAVAILABLE",
  Timeout: "DEADLINE_EXCEEDED",
  BadStatus: "UNAVAILABLE", // a 503 upstream: retry later
  NotWellFormed: "INVALID_ARGUMENT",
  ContentTooLarge: "RESOURCE_EXHAUSTED",
  SchemaViolation: "INVALID_ARGUMENT",
  NotFound: "NOT_FOUND",
  InvalidFieldValue: "INVALID_ARGUMENT",
  Conflict: "ALREADY_EXISTS",
  RateLimited: "RESOURCE_EXHAUSTED",
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "PERMISSION_DENIED",
  Unavailable: "UNAVAILABLE",
  SignatureMissing: "UNAUTHENTICATED",
  SignatureInvalid: "UNAUTHENTICATED",
  FingerprintMismatch: "UNKNOWN",
  CertificateExpired: "UNKNOWN",
  RemoteFault: "UNKNOWN", // a failure relayed from another error space, not worth retrying here
  InternalError: "INTERNAL"
}

/** The faults whose public view is not redacted: they must arrive equal in trust mode. */
const publicTags = [
  "NotWellFormed",
  "ContentTooLarge",
  "SchemaViolation",
  "NotFound",
  "InvalidFieldValue",
  "Conflict",
  "RateLimited",
  "Unauthenticated",
  "Forbidden",
  "Unavailable",
  "SignatureMissing",
  "SignatureInvalid"
]

// -----------------------------------------------------------------------------
// Server and clients
// -----------------------------------------------------------------------------

const GetRequest = Schema.Struct({ id: Schema.String })
const Item = Schema.Struct({ id: Schema.String, name: Schema.String })
const ItemWithStock = Schema.Struct({ id: Schema.String, name: Schema.String, stock: Schema.Number })

const seen: { calls: number; interrupted: number; correlationIds: Array<string | undefined>; reported: Array<string> } =
  {
    calls: 0,
    interrupted: 0,
    correlationIds: [],
    reported: []
  }
const collecting: Report.Hooks = {
  received: () => Effect.void,
  handled: (f) => Effect.sync(() => void seen.reported.push(`handled ${f.code}`)),
  unhandled: (f) => Effect.sync(() => void seen.reported.push(`unhandled ${f.code}`))
}

const listen = (server: grpc.Server): Promise<number> =>
  new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => e ? reject(e) : resolve(port))
  )

let server: grpc.Server
let victim: grpc.Server
let client: grpc.Client
let victimClient: grpc.Client
let closedPort: number

// A plain grpc-js handler (no effect-faults) answering like a foreign service: google.rpc details
// encoded by protobufjs, domain "foreign.example".
const foreign: grpc.handleUnaryCall<any, any> = (call, callback) => {
  const kind: string = call.request.kind
  const metadata = new grpc.Metadata()
  if (kind === "bad-request") {
    const status = P.Status.fromObject({
      code: 3,
      message: "quantity must be positive",
      details: [
        any(P.BadRequest, { field_violations: [{ field: "qty", description: "must be > 0" }] }),
        any(P.ErrorInfo, { reason: "QTY_NEGATIVE", domain: "foreign.example", metadata: { qty: "-1" } })
      ]
    })
    metadata.set("grpc-status-details-bin", Buffer.from(P.Status.encode(status).finish()))
    return callback({ code: 3, details: "quantity must be positive", metadata })
  }
  if (kind === "throttled") {
    const status = P.Status.fromObject({
      code: 8,
      message: "slow down",
      details: [any(P.RetryInfo, { retry_delay: { seconds: 2, nanos: 500_000_000 } })]
    })
    metadata.set("grpc-status-details-bin", Buffer.from(P.Status.encode(status).finish()))
    return callback({ code: 8, details: "slow down", metadata })
  }
  callback({ code: 5, details: "no such thing", metadata })
}

beforeAll(async () => {
  const provide = <A>(effect: Effect.Effect<A>) =>
    Effect.runSync(effect.pipe(Effect.provideService(Report.CurrentHooks, collecting)))
  server = new grpc.Server()
  server.addService(Service, {
    Raise: provide(Grpc.handleUnary((req: { index: number }) => Effect.fail(samples[req.index]!))),
    Get: provide(Grpc.handleUnary((req: { id: string }) =>
      Effect.gen(function*() {
        seen.calls++
        seen.correlationIds.push(yield* Correlation.CorrelationId)
        switch (req.id) {
          case "nf":
            return yield* new Fault.NotFound({ resource: "item", id: req.id })
          case "die":
            return yield* Effect.die(new Error(`password=${SECRET}`))
          case "broken":
            return { id: req.id, name: 42 } as unknown as { id: string; name: string } // our own contract broken
          default:
            return { id: req.id, name: `item ${req.id}` }
        }
      }), { request: GetRequest, response: Item })),
    Slow: provide(
      Grpc.handleUnary(() => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => void seen.interrupted++))))
    ),
    Kill: () => {},
    Foreign: foreign
  })
  const port = await listen(server)
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())

  const ok: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) => callback(null, {})
  victim = new grpc.Server()
  victim.addService(Service, {
    Raise: ok,
    Get: ok,
    Slow: ok,
    Kill: () => victim.forceShutdown(), // the server goes away mid-call
    Foreign: ok
  })
  victimClient = new grpc.Client(`127.0.0.1:${await listen(victim)}`, grpc.credentials.createInsecure())

  const closed = new grpc.Server()
  closedPort = await listen(closed)
  closed.forceShutdown()
})

afterAll(() => {
  client?.close()
  victimClient?.close()
  server?.forceShutdown()
  victim?.forceShutdown()
})

const raw = (index: number): Promise<grpc.ServiceError> =>
  new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      Service.Raise.path,
      toJson,
      fromJson,
      { index },
      new grpc.Metadata(),
      {},
      (e) => e === null ? reject(new Error("expected a failure")) : resolve(e)
    )
  )

const cid = () => crypto.randomUUID()

// -----------------------------------------------------------------------------
// Tests
// -----------------------------------------------------------------------------

describe("Grpc status mapping", () => {
  it("maps every built-in fault to its canonical gRPC code", () => {
    for (const f of samples) {
      assert.strictEqual(Grpc.codeName(Grpc.codeOf(f, { catalog: Catalog.builtin })), expectedCodes[f._tag], f._tag)
    }
    assert.strictEqual(
      Grpc.codeName(Grpc.codeOf(new Fault.SchemaViolation({ direction: "inbound", violations: [] }))),
      "INTERNAL"
    )
    assert.strictEqual(
      Grpc.codeName(Grpc.codeOf(new Fault.NotWellFormed({ format: "json", direction: "inbound", reason: "x" }))),
      "INTERNAL"
    )
    // gRPC's own status for a message over a size limit, whichever way it travelled
    assert.strictEqual(
      Grpc.codeName(Grpc.codeOf(new Fault.ContentTooLarge({ direction: "inbound" }), { catalog: Catalog.builtin })),
      "RESOURCE_EXHAUSTED"
    )
    assert.strictEqual(Grpc.codeName(Grpc.codeOf(new Fault.BadStatus({ statusCode: 404 }))), "UNKNOWN")
    assert.strictEqual(Grpc.codeName(Grpc.codeOf(new Error("boom"))), "INTERNAL")
  })

  it("maps a retryable conflict (per the catalog) to ABORTED", () => {
    const catalog = Catalog.make([{ ...Catalog.entryOf(Fault.Conflict), expected: "RetryNow" }])
    assert.strictEqual(Grpc.codeName(Grpc.codeOf(new Fault.Conflict({}), { catalog })), "ABORTED")
  })

  it("maps a user-defined fault by its status and expectation", () => {
    class OrderLocked extends Fault.define<OrderLocked>()("OrderLocked", {}, {
      category: "application",
      expected: "FixRequest",
      status: 412
    }) {}
    class Throttled extends Fault.define<Throttled>()("Throttled", {}, {
      category: "application",
      expected: "RetryLater",
      status: 429
    }) {}
    assert.strictEqual(Grpc.codeName(Grpc.codeOf(new OrderLocked({}))), "FAILED_PRECONDITION")
    assert.strictEqual(Grpc.codeName(Grpc.codeOf(new Throttled({}))), "RESOURCE_EXHAUSTED")
  })
})

describe("Grpc with a real grpc-js server and client", () => {
  it("sends each built-in fault with its code and a google.rpc.Status that protobufjs decodes", async () => {
    for (let i = 0; i < samples.length; i++) {
      const f = samples[i]!
      const e = await raw(i)
      assert.strictEqual(Grpc.codeName(e.code), expectedCodes[f._tag], f._tag)
      const bin = e.metadata.get(Grpc.DetailsKey)[0]
      assert.instanceOf(bin, Buffer)
      const status = P.Status.toObject(P.Status.decode(bin as Buffer), { defaults: true }) as any
      assert.strictEqual(status.code, e.code)
      assert.strictEqual(status.message, e.details)
      const info = P.ErrorInfo.toObject(P.ErrorInfo.decode(status.details[0].value), { defaults: true }) as any
      assert.strictEqual(status.details[0].type_url, "type.googleapis.com/google.rpc.ErrorInfo")
      assert.strictEqual(info.domain, "effect-faults")
      assert.strictEqual(info.reason, Grpc.encode(f, { catalog: Catalog.builtin }).view.code)
      if (f.retryAfterMs !== undefined) {
        const retry = status.details.find((d: any) => d.type_url.endsWith("RetryInfo"))
        const delay = P.RetryInfo.toObject(P.RetryInfo.decode(retry.value), { longs: Number }) as any
        assert.strictEqual(delay.retry_delay.seconds * 1000 + (delay.retry_delay.nanos ?? 0) / 1e6, f.retryAfterMs)
      }
    }
  })

  it("lets no planted secret cross, in the status message or any metadata", async () => {
    for (let i = 0; i < samples.length; i++) {
      const e = await raw(i)
      const everything = [e.details, e.message, ...Object.values(e.metadata.getMap()).map((v) => v.toString("latin1"))]
        .join("\n")
      assert.notInclude(everything, SECRET, samples[i]!._tag)
      assert.notInclude(everything, "hunter2")
    }
    const dead = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(
        Service.Get.path,
        toJson,
        fromJson,
        { id: "die" },
        new grpc.Metadata(),
        {},
        (e) => resolve(e!)
      )
    )
    assert.strictEqual(dead.code, grpc.status.INTERNAL)
    assert.strictEqual(dead.details, "Internal error")
    assert.notInclude(JSON.stringify(dead.metadata.toJSON()), SECRET)
  })

  it.effect("round trip in trust mode: public faults arrive equal, marked received", () =>
    Effect.gen(function*() {
      let equal = 0
      for (let i = 0; i < samples.length; i++) {
        const sent = samples[i]!
        const id = cid()
        const got = yield* Effect.flip(Grpc.unary(client, Service.Raise, { index: i }, { mode: "trust" })).pipe(
          Correlation.withId(id)
        )
        const view = Grpc.encode(sent, { catalog: Catalog.builtin }).view
        assert.strictEqual(got.correlationId, id, sent._tag)
        if (publicTags.includes(sent._tag)) {
          assert.isFalse(view.redacted, sent._tag)
          assert.strictEqual(got._tag, sent._tag)
          assert.strictEqual(got.origin, "remote")
          assert.deepStrictEqual(Exposure.fieldsOf(got), Exposure.fieldsOf(sent), sent._tag)
          assert.strictEqual(got.message, sent.message)
          assert.strictEqual(got.retryAfterMs, sent.retryAfterMs)
          assert.instanceOf(got, sent.constructor as any)
          equal++
        } else {
          // redacted: the catalogued code crosses, its fields and message do not
          assert.isTrue(view.redacted, sent._tag)
          assert.notInclude(JSON.stringify(got), SECRET)
          if (got._tag === "RemoteFault") assert.strictEqual((got as Fault.RemoteFault).remoteCode, sent.code)
          else assert.strictEqual(got._tag, "InternalError")
        }
      }
      assert.strictEqual(equal, publicTags.length)
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("round trip in distrust mode (the default): every fault arrives wrapped in a RemoteFault", () =>
    Effect.gen(function*() {
      for (let i = 0; i < samples.length; i++) {
        const sent = samples[i]!
        const got = yield* Effect.flip(Grpc.unary(client, Service.Raise, { index: i }))
        const view = Grpc.encode(sent, { catalog: Catalog.builtin }).view
        if (sent._tag === "SchemaViolation") {
          // a remote schema violation stays typed (origin remote) so the six failures stay distinct
          assert.strictEqual(got._tag, "SchemaViolation")
          assert.strictEqual(Failures.kind(got), "RemoteInboundViolation")
          continue
        }
        assert.strictEqual(got._tag, "RemoteFault", sent._tag)
        const remote = got as Fault.RemoteFault
        assert.strictEqual(remote.remoteCode, view.code)
        assert.strictEqual(remote.remoteMessage, view.message)
        assert.strictEqual(remote.remoteStatus, view.status)
        assert.strictEqual(remote.remoteExpected, view.expected)
        assert.strictEqual(remote.protocol, "grpc")
        assert.strictEqual(remote.retryAfterMs, sent.retryAfterMs)
        assert.strictEqual(remote.failure?.type, view.redacted ? view.code : sent._tag)
        assert.include(remote.failure?.parents ?? [], `grpc.${expectedCodes[sent._tag]}`)
        assert.isUndefined(remote.failure?.trace)
        assert.notInclude(JSON.stringify(remote), SECRET)
      }
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("a remote not-found can never be caught by a handler for a local NotFound (distrust)", () =>
    Effect.gen(function*() {
      const result = yield* Grpc.unary(client, Service.Get, { id: "nf" }).pipe(
        Effect.map(() => "answered"),
        Effect.catchTag("NotFound", () => Effect.succeed("caught as local NotFound")),
        Effect.catchTag("RemoteFault", (f) => Effect.succeed(`remote ${(f as Fault.RemoteFault).remoteCode}`))
      )
      assert.strictEqual(result, "remote NotFound")
      const trusted = yield* Grpc.unary(client, Service.Get, { id: "nf" }, { mode: "trust" }).pipe(
        Effect.map(() => "answered"),
        Effect.catchTag("NotFound", (f) => Effect.succeed(`NotFound ${(f as Fault.NotFound).id} ${f.origin}`))
      )
      assert.strictEqual(trusted, "NotFound nf remote")
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("sends traces only when the server allows it (unsafeTracebacks), truncated", () =>
    Effect.sync(() => {
      const encoded = Grpc.encode(new Fault.InternalError({ message: SECRET }), {
        config: { ...Exposure.defaultConfig, unsafeTracebacks: true, maxTraceBytes: 300 }
      })
      const received = Grpc.toFault({ code: encoded.code, details: encoded.details, metadata: encoded.metadata })
      assert.strictEqual(received._tag, "RemoteFault")
      const trace = (received as Fault.RemoteFault).failure?.trace
      assert.isString(trace)
      assert.isAtMost(Buffer.byteLength(trace!), 300)
      const quiet = Grpc.encode(new Fault.InternalError({ message: SECRET }))
      const none = Grpc.toFault({ code: quiet.code, details: quiet.details, metadata: quiet.metadata })
      assert.isUndefined((none as Fault.RemoteFault).failure?.trace)
    }))

  it.effect("carries the correlation id both ways, and the server reports what it sends", () =>
    Effect.gen(function*() {
      const id = cid()
      const before = seen.correlationIds.length
      const ok = yield* Grpc.unary(client, Service.Get, { id: "7" }, { response: Item }).pipe(Correlation.withId(id))
      assert.deepStrictEqual(ok, { id: "7", name: "item 7" })
      assert.strictEqual(seen.correlationIds[before], id)
      const failed = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "nf" })).pipe(Correlation.withId(id))
      assert.strictEqual(failed.correlationId, id)
      const reported = seen.reported.length
      yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "die" }))
      assert.deepStrictEqual(seen.reported.slice(reported), ["unhandled InternalError"])
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it("answers on the Correlation.CurrentConfig response header, success and failure alike", async () => {
    const config = Correlation.layerConfig({ responseHeader: "X-Request-Id" })
    const handle = Effect.runSync(
      Grpc.handleUnary((req: { id: string }) =>
        req.id === "nf" ? Effect.fail(new Fault.NotFound({ resource: "item", id: req.id })) : Effect.succeed(req)
      ).pipe(Effect.provide(config), Effect.provideService(Report.CurrentHooks, Report.silent))
    )
    const custom = new grpc.Server()
    custom.addService(Service, { Raise: handle, Get: handle, Slow: handle, Kill: handle, Foreign: handle })
    const customClient = new grpc.Client(`127.0.0.1:${await listen(custom)}`, grpc.credentials.createInsecure())
    try {
      const id = cid()
      const send = (req: { id: string }) =>
        new Promise<grpc.Metadata>((resolve) => {
          const metadata = new grpc.Metadata()
          metadata.set("x-request-id", id)
          const call = customClient.makeUnaryRequest(Service.Get.path, toJson, fromJson, req, metadata, {}, (e) => {
            if (e !== null) resolve(e.metadata)
          })
          call.on("status", (s) => s.code === grpc.status.OK && resolve(s.metadata))
        })
      const ok = await send({ id: "7" })
      assert.deepStrictEqual(ok.get("x-request-id"), [id])
      assert.deepStrictEqual(ok.get("x-correlator"), [])
      const failed = await send({ id: "nf" })
      assert.deepStrictEqual(failed.get("x-request-id"), [id])
      assert.deepStrictEqual(failed.get("x-correlator"), [])
      // our client under the same config sends and reads the id on that header too
      const fault = await Effect.runPromise(
        Effect.flip(Grpc.unary(customClient, Service.Get, { id: "nf" }, { mode: "trust" })).pipe(
          Correlation.withId(id),
          Effect.provide(config),
          Effect.provideService(Report.CurrentHooks, Report.silent)
        )
      )
      assert.strictEqual(fault._tag, "NotFound")
      assert.strictEqual(fault.correlationId, id)
    } finally {
      customClient.close()
      custom.forceShutdown()
    }
  })

  it.effect("reports received and local failures on the client, unless logging is turned off", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const hooks: Report.Hooks = {
        received: (f) => Effect.sync(() => void log.push(`received ${f.code}`)),
        handled: (f) => Effect.sync(() => void log.push(`handled ${f.code}`)),
        unhandled: (f) => Effect.sync(() => void log.push(`unhandled ${f.code}`))
      }
      const calls = Effect.gen(function*() {
        yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "nf" }))
        yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "1" }, { response: ItemWithStock }))
      }).pipe(Effect.provideService(Report.CurrentHooks, hooks))
      yield* calls
      assert.deepStrictEqual(log, ["received RemoteFault", "handled SchemaViolation"])
      log.length = 0
      yield* calls.pipe(Effect.provideService(Failures.CurrentLogging, { local: false, remote: false }))
      assert.deepStrictEqual(log, [])
    }))

  describe("the six ways a remote call fails", () => {
    it.effect("1. local outbound violation: arguments rejected before sending", () =>
      Effect.gen(function*() {
        const calls = seen.calls
        const f = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: 42 } as any, { request: GetRequest }))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual(Failures.kind(f), "LocalOutboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "id")
        assert.strictEqual(seen.calls, calls) // nothing was sent
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("2. lost connection: the server goes away mid-call; and a closed port is unreachable", () =>
      Effect.gen(function*() {
        const lost = yield* Effect.flip(Grpc.unary(victimClient, Service.Kill, {}))
        assert.strictEqual(lost._tag, "ConnectionLost")
        assert.strictEqual(Fault.phase(lost), "MaybeDelivered")
        assert.strictEqual(Failures.kind(lost), "Partition")
        const nowhere = new grpc.Client(`127.0.0.1:${closedPort}`, grpc.credentials.createInsecure())
        const refused = yield* Effect.flip(Grpc.unary(nowhere, Service.Get, { id: "1" }, { deadlineMs: 5000 }))
        nowhere.close()
        assert.strictEqual(refused._tag, "Unreachable")
        assert.strictEqual((refused as Fault.Unreachable).reason, "ECONNREFUSED")
        assert.strictEqual(Fault.phase(refused), "BeforeSend")
        assert.isTrue(Fault.isSafeToRetry(refused, { idempotent: false }))
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("3. remote inbound violation: the server rejected our arguments (INVALID_ARGUMENT)", () =>
      Effect.gen(function*() {
        const f = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: 42 }))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual(Failures.kind(f), "RemoteInboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "id")
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("4. remote method failure: the handler failed", () =>
      Effect.gen(function*() {
        const f = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "nf" }))
        assert.strictEqual(f._tag, "RemoteFault")
        assert.strictEqual(Failures.kind(f), "RemoteFailure")
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("5. remote outbound violation: the server's answer broke its own contract", () =>
      Effect.gen(function*() {
        const f = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "broken" }))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual(Failures.kind(f), "RemoteOutboundViolation")
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("6. local inbound violation: we rejected the answer", () =>
      Effect.gen(function*() {
        const f = yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "8" }, { response: ItemWithStock }))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual(Failures.kind(f), "LocalInboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "stock")
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

    it.effect("the six are pairwise distinct", () =>
      Effect.gen(function*() {
        const nowhere = new grpc.Client(`127.0.0.1:${closedPort}`, grpc.credentials.createInsecure())
        const kinds = [
          yield* Effect.flip(Grpc.unary(client, Service.Get, { id: 1 } as any, { request: GetRequest })),
          yield* Effect.flip(Grpc.unary(nowhere, Service.Get, { id: "1" })),
          yield* Effect.flip(Grpc.unary(client, Service.Get, { id: 1 })),
          yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "nf" })),
          yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "broken" })),
          yield* Effect.flip(Grpc.unary(client, Service.Get, { id: "1" }, { response: ItemWithStock }))
        ].map((f) => Failures.kind(f))
        nowhere.close()
        assert.deepStrictEqual(kinds, [...Failures.kinds])
      }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))
  })

  it.effect("a client deadline is a Timeout naming the method, maybe delivered", () =>
    Effect.gen(function*() {
      const f = yield* Effect.flip(Grpc.unary(client, Service.Slow, {}, { deadlineMs: 150 }))
      assert.strictEqual(f._tag, "Timeout")
      const t = f as Fault.Timeout
      assert.strictEqual(t.afterMs, 150)
      assert.strictEqual(t.operation, Service.Slow.path)
      assert.strictEqual(t.phase, "MaybeDelivered")
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.live("interrupting the effect cancels the call (the server handler is interrupted too)", () =>
    Effect.gen(function*() {
      const before = seen.interrupted
      const exit = yield* Effect.exit(Effect.timeout(Grpc.unary(client, Service.Slow, {}), "100 millis"))
      assert.strictEqual(exit._tag, "Failure")
      for (let i = 0; i < 100 && seen.interrupted === before; i++) yield* Effect.sleep("10 millis")
      assert.strictEqual(seen.interrupted, before + 1) // the server saw the cancellation and interrupted its handler
      // the channel is still usable afterwards
      assert.deepStrictEqual(yield* Grpc.unary(client, Service.Get, { id: "9" }), { id: "9", name: "item 9" })
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("decodes a foreign server's google.rpc details (encoded by protobufjs)", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(Grpc.unary(client, Service.Foreign, { kind: "bad-request" }))
      assert.strictEqual(bad._tag, "SchemaViolation")
      assert.strictEqual(Failures.kind(bad), "RemoteInboundViolation")
      assert.deepStrictEqual((bad as Fault.SchemaViolation).violations, [{ field: "qty", message: "must be > 0" }])
      const throttled = yield* Effect.flip(Grpc.unary(client, Service.Foreign, { kind: "throttled" }))
      assert.strictEqual(throttled._tag, "RemoteFault")
      assert.strictEqual(throttled.retryAfterMs, 2500)
      assert.strictEqual((throttled as Fault.RemoteFault).remoteCode, "RateLimited")
      const trusted = yield* Effect.flip(Grpc.unary(client, Service.Foreign, { kind: "throttled" }, { mode: "trust" }))
      assert.strictEqual(trusted._tag, "RateLimited")
      assert.strictEqual(trusted.retryAfterMs, 2500)
      const nf = yield* Effect.flip(Grpc.unary(client, Service.Foreign, { kind: "missing" }, { mode: "trust" }))
      assert.strictEqual(nf._tag, "NotFound")
      assert.strictEqual(nf.message, "no such thing")
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("bytes that do not (de)serialise are NotWellFormed, outbound or inbound", () =>
    Effect.gen(function*() {
      const unserialisable = {
        ...Service.Get,
        requestSerialize: () => {
          throw new Error("cycle")
        }
      }
      const out = yield* Effect.flip(Grpc.unary(client, unserialisable, { id: "1" }))
      assert.strictEqual(out._tag, "NotWellFormed")
      assert.strictEqual((out as Fault.NotWellFormed).direction, "outbound")
      const unparsable = {
        ...Service.Get,
        responseDeserialize: () => {
          throw new Error("not JSON")
        }
      }
      const back = yield* Effect.flip(Grpc.unary(client, unparsable, { id: "1" }))
      assert.strictEqual(back._tag, "NotWellFormed")
      assert.strictEqual((back as Fault.NotWellFormed).direction, "inbound")
      assert.strictEqual(back.origin, "local")
      // data that does not parse counts as the violation of its direction and origin
      assert.strictEqual(Failures.kind(out), "LocalOutboundViolation")
      assert.strictEqual(Failures.kind(back), "LocalInboundViolation")
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("a foreign ErrorInfo domain never selects one of our codes", () =>
    Effect.sync(() => {
      const encoded = Grpc.encode(new Fault.NotFound({ id: "1" }), { domain: "other.example" })
      const f = Grpc.toFault({ code: encoded.code, details: encoded.details, metadata: encoded.metadata }, {
        mode: "trust"
      })
      // still NotFound, but from the gRPC code alone: the foreign fields (id) are not trusted
      assert.strictEqual(f._tag, "NotFound")
      assert.isUndefined((f as Fault.NotFound).id)
      const g = Grpc.toFault({ code: 2, details: "x", metadata: encoded.metadata }, { mode: "trust" })
      assert.strictEqual(g._tag, "RemoteFault") // the details' code (5) differs from the status (2): ignored
      assert.strictEqual((g as Fault.RemoteFault).remoteCode, "UNKNOWN")
    }))
})

describe("Grpc: messages over grpc-js's size limits are ContentTooLarge", () => {
  // A server that takes requests of at most 64 bytes; answers as large as the request's `size`.
  let limited: grpc.Server
  let port: number
  const clients: Array<grpc.Client> = []
  const clientOf = (options?: grpc.ChannelOptions) => {
    const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options)
    clients.push(c)
    return c
  }
  beforeAll(async () => {
    limited = new grpc.Server({ "grpc.max_receive_message_length": 64 })
    const answer: grpc.handleUnaryCall<any, any> = (call, callback) =>
      callback(null, { id: "big", name: "n".repeat(Number(call.request.size ?? 0)) })
    limited.addService(Service, { Raise: answer, Get: answer, Slow: answer, Kill: answer, Foreign: answer })
    port = await listen(limited)
  })
  afterAll(() => {
    for (const c of clients) c.close()
    limited?.forceShutdown()
  })

  it.effect("a request over the server's limit: the server's refusal, outbound, with the limit (trust and distrust)", () =>
    Effect.gen(function*() {
      const client = clientOf()
      const big = { id: "x".repeat(100) }
      const trusted = yield* Effect.flip(Grpc.unary(client, Service.Get, big, { mode: "trust" }))
      assert.instanceOf(trusted, Fault.ContentTooLarge)
      assert.deepStrictEqual(
        [(trusted as Fault.ContentTooLarge).direction, (trusted as Fault.ContentTooLarge).limitBytes, trusted.origin],
        ["outbound", 64, "remote"]
      )
      assert.deepStrictEqual([trusted.status, trusted.expected], [413, "FixRequest"])
      assert.strictEqual(Failures.kind(trusted), "RemoteInboundViolation")
      // not a quota: never RateLimited, whose RetryLater would send the same bytes again
      const distrusted = yield* Effect.flip(Grpc.unary(client, Service.Get, big))
      assert.instanceOf(distrusted, Fault.RemoteFault)
      const remote = distrusted as Fault.RemoteFault
      assert.deepStrictEqual([remote.remoteCode, remote.remoteStatus, remote.expected], [
        "ContentTooLarge",
        413,
        "FixRequest"
      ])
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))

  it.effect("an answer over the client's receive limit, a request over its send limit: local, with the limit", () =>
    Effect.gen(function*() {
      const answer = yield* Effect.flip(
        Grpc.unary(clientOf({ "grpc.max_receive_message_length": 50 }), Service.Get, { size: 100 }, { mode: "trust" })
      )
      assert.instanceOf(answer, Fault.ContentTooLarge)
      assert.deepStrictEqual(
        [(answer as Fault.ContentTooLarge).direction, (answer as Fault.ContentTooLarge).limitBytes, answer.origin],
        ["inbound", 50, "local"]
      )
      assert.strictEqual(Failures.kind(answer), "LocalInboundViolation")
      const request = yield* Effect.flip(
        Grpc.unary(clientOf({ "grpc.max_send_message_length": 16 }), Service.Get, { id: "x".repeat(40) })
      )
      assert.instanceOf(request, Fault.ContentTooLarge)
      assert.deepStrictEqual(
        [(request as Fault.ContentTooLarge).direction, (request as Fault.ContentTooLarge).limitBytes, request.origin],
        ["outbound", 16, "local"]
      )
      assert.strictEqual(Failures.kind(request), "LocalOutboundViolation")
      // a foreign quota (RESOURCE_EXHAUSTED without the size text) stays a rate limit; the text under
      // another status is that status
      const foreign = (code: number, details: string) =>
        Grpc.toFault({ code, details, metadata: { "content-type": "application/grpc" } }, { mode: "trust" })._tag
      assert.strictEqual(foreign(8, "quota exceeded"), "RateLimited")
      assert.strictEqual(foreign(13, "Received message larger than max (100 vs 64)"), "InternalError")
    }).pipe(Effect.provideService(Report.CurrentHooks, Report.silent)))
})

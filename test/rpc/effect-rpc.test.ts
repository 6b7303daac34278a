import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer, Schema } from "effect"
import { RpcClient, type RpcGroup } from "effect/rpc"
import fc from "fast-check"
import { createServer } from "node:http"
import { Correlation, Fault, Report, Trust } from "../../src/index.ts"
import { EffectRpc, Failures } from "../../src/rpc/index.ts"
import type { Serialization } from "./effect-rpc-fixtures.ts"
import { BareRpcs, clientProtocol, ClientRpcs, closedPort, quiet, samples, startServer } from "./effect-rpc-fixtures.ts"

const withClient = <A, E>(
  url: string,
  serialization: Serialization,
  f: (client: EffectRpc.Client<RpcGroup.Rpcs<typeof ClientRpcs>>) => Effect.Effect<A, E>,
  options?: EffectRpc.ClientOptions
) =>
  Effect.gen(function*() {
    const client = yield* EffectRpc.client(ClientRpcs, options)
    return yield* f(client)
  }).pipe(Effect.provide(clientProtocol(url, serialization)))

const flipFault = (effect: Effect.Effect<unknown, unknown>) =>
  Effect.flip(effect).pipe(Effect.map((e) => e as Fault.Fault))

for (const serialization of ["json-rpc", "json"] as const) {
  describe(`Effect RPC over HTTP (${serialization})`, () => {
    it.effect("a good call succeeds", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const r = yield* withClient(url, serialization, (c) => c.Get({ id: "r-1" }))
        assert.deepStrictEqual(r, { id: "r-1", value: "value of r-1" })
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("1. local outbound schema violation: arguments rejected before sending", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "" })))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual((f as Fault.SchemaViolation).direction, "outbound")
        assert.strictEqual(f.origin, "local")
        assert.strictEqual(Failures.kind(f), "LocalOutboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "id")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("2a. partition: nobody listens → Unreachable (before send)", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const f = yield* withClient(
          `http://127.0.0.1:${port}/rpc`,
          serialization,
          (c) => flipFault(c.Get({ id: "r-1" }))
        )
        assert.strictEqual(f._tag, "Unreachable")
        assert.strictEqual(Fault.phase(f), "BeforeSend")
        assert.strictEqual(Failures.kind(f), "Partition")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("2b. partition: the connection drops before the answer → ConnectionLost", () =>
      Effect.gen(function*() {
        const server = createServer((req) => req.socket.destroy())
        yield* Effect.acquireRelease(
          Effect.callback<void>((resume) => {
            void server.listen(0, "127.0.0.1", () => resume(Effect.void))
          }),
          () => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
        )
        const port = (server.address() as { port: number }).port
        const f = yield* withClient(
          `http://127.0.0.1:${port}/rpc`,
          serialization,
          (c) => flipFault(c.Get({ id: "r-1" }))
        )
        assert.strictEqual(f._tag, "ConnectionLost")
        assert.strictEqual(Fault.phase(f), "MaybeDelivered")
        assert.strictEqual(Failures.kind(f), "Partition")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("3. remote inbound schema violation: the server rejects our arguments", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "X1" })))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual((f as Fault.SchemaViolation).direction, "outbound")
        assert.strictEqual(f.origin, "remote")
        assert.strictEqual(Failures.kind(f), "RemoteInboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "id")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("4. remote method failure: RemoteFault with a copied failure (distrust, the default)", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-404" })))
        assert.strictEqual(f._tag, "RemoteFault")
        const r = f as Fault.RemoteFault
        assert.strictEqual(r.remoteCode, "NotFound")
        assert.strictEqual(r.remoteStatus, 404)
        assert.strictEqual(r.protocol, "effect-rpc")
        assert.strictEqual(r.failure?.type, "NotFound")
        assert.strictEqual(r.failure?.message, "record 'r-404' not found")
        assert.include(r.failure?.parents ?? [], "Error")
        assert.isUndefined(r.failure?.trace)
        assert.strictEqual(Failures.kind(f), "RemoteFailure")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("4'. a remote NotFound is never caught by a handler for a local NotFound (distrust)", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const exit = yield* withClient(url, serialization, (c) =>
          c.Get({ id: "r-404" }).pipe(
            Effect.catchTag("NotFound", () => Effect.succeed("caught as a local NotFound")),
            Effect.exit
          ))
        assert.isTrue(Exit.isFailure(exit))
        const f = yield* flipFault(exit as Effect.Effect<unknown, unknown>)
        assert.strictEqual(f._tag, "RemoteFault")
        assert.isFalse(f instanceof Fault.NotFound)
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("4''. trust mode: the remote NotFound arrives typed and marked received", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-404" })), { mode: "trust" })
        assert.isTrue(f instanceof Fault.NotFound)
        assert.strictEqual(f.origin, "remote")
        assert.strictEqual((f as Fault.NotFound).id, "r-404")
        const caught = yield* withClient(url, serialization, (c) =>
          c.Get({ id: "r-404" }).pipe(Effect.catchTag("NotFound", (e) =>
            Effect.succeed(`caught ${(e as Fault.NotFound).id}`))), {
          mode: "trust"
        })
        assert.strictEqual(caught, "caught r-404")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("without a mode option the client follows Trust.CurrentMode; an explicit mode still wins", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const followed = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-404" }))).pipe(
          Effect.provide(Trust.layer("trust"))
        )
        assert.instanceOf(followed, Fault.NotFound)
        assert.strictEqual(followed.origin, "remote")
        const explicit = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-404" })), {
          mode: "distrust"
        }).pipe(Effect.provide(Trust.layer("trust")))
        assert.strictEqual(explicit._tag, "RemoteFault")
        // and by default, distrust
        assert.strictEqual(
          (yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-404" }))))._tag,
          "RemoteFault"
        )
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("5. remote outbound schema violation: the server's answer breaks its own contract", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-broken" })))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual((f as Fault.SchemaViolation).direction, "inbound")
        assert.strictEqual(f.origin, "remote")
        assert.strictEqual(Failures.kind(f), "RemoteOutboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "value")
        // the offending value (42) stays on the server
        assert.notInclude(JSON.stringify((f as Fault.SchemaViolation).violations), "42")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("5'. without the response check, Effect RPC's own encode defect still reads as a remote outbound violation", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization, server: { checkResponses: false } })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-broken" })))
        assert.strictEqual(Failures.kind(f), "RemoteOutboundViolation")
        assert.strictEqual((f as Fault.SchemaViolation).violations[0]?.field, "value")
        assert.notInclude(JSON.stringify((f as Fault.SchemaViolation).violations), "42")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("6. local inbound schema violation: we reject the answer", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const f = yield* withClient(url, serialization, (c) => flipFault(c.Get({ id: "r-long" })))
        assert.strictEqual(f._tag, "SchemaViolation")
        assert.strictEqual((f as Fault.SchemaViolation).direction, "inbound")
        assert.strictEqual(f.origin, "local")
        assert.strictEqual(Failures.kind(f), "LocalInboundViolation")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("the six failures are six distinct kinds", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const kinds = yield* withClient(url, serialization, (c) =>
          Effect.forEach(["", "X1", "r-404", "r-broken", "r-long"], (id) =>
            flipFault(c.Get({ id })).pipe(Effect.map(Failures.kind))))
        const port = yield* closedPort
        const partition = yield* withClient(`http://127.0.0.1:${port}/rpc`, serialization, (c) =>
          flipFault(c.Get({ id: "r-1" })).pipe(Effect.map(Failures.kind)))
        assert.deepStrictEqual(new Set([...kinds, partition]), new Set(Failures.kinds))
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.live("a handler defect fails that call alone, redacted, and the connection stays usable", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        const [slow, dead, after] = yield* withClient(url, serialization, (c) =>
          Effect.gen(function*() {
            const slowFiber = yield* Effect.forkChild(c.Slow({ ms: 150 }))
            yield* Effect.sleep("20 millis")
            const dead = yield* flipFault(c.Get({ id: "r-die" }))
            const slow = yield* Fiber.join(slowFiber)
            const after = yield* c.Get({ id: "r-2" })
            return [slow, dead, after] as const
          }))
        assert.strictEqual(slow, "slow done")
        assert.strictEqual(after.id, "r-2")
        assert.strictEqual(dead._tag, "RemoteFault")
        assert.strictEqual((dead as Fault.RemoteFault).remoteCode, "InternalError")
        assert.strictEqual((dead as Fault.RemoteFault).remoteMessage, "Internal error")
        assert.notInclude(JSON.stringify({ ...dead, failure: (dead as Fault.RemoteFault).failure }), "s3cr3t")
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect("a thrown exception and an internal fault are redacted the same way", () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization })
        for (const mode of ["distrust", "trust"] as const) {
          const fs = yield* withClient(url, serialization, (c) =>
            Effect.forEach(["r-throw", "r-internal"], (id) =>
              flipFault(c.Get({ id }))), { mode })
          for (const f of fs) {
            assert.strictEqual(
              f.code === "InternalError" || (f as Fault.RemoteFault).remoteCode === "InternalError",
              true
            )
            assert.notInclude(JSON.stringify(f) + f.message + String(f.stack), "s3cr3t")
          }
        }
      }).pipe(Effect.scoped, Effect.provide(quiet)))
  })
}

describe("Effect RPC defects on the JSON-RPC framing", () => {
  const post = (url: string, body: unknown) =>
    Effect.promise(() =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
        .then((r) => r.text())
    )

  it.effect("with the middleware the defect answers with the request's own id and no secret", () =>
    Effect.gen(function*() {
      const url = yield* startServer({ serialization: "json-rpc" })
      const text = yield* post(url, { jsonrpc: "2.0", id: 77, method: "Get", params: { id: "r-die" } })
      const reply = JSON.parse(text)
      assert.strictEqual(reply.id, 77)
      assert.notInclude(text, "s3cr3t")
      assert.include(text, "InternalError")
      const ok = JSON.parse(yield* post(url, { jsonrpc: "2.0", id: 78, method: "Get", params: { id: "r-1" } }))
      assert.deepStrictEqual(ok.result, { id: "r-1", value: "value of r-1" })
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("without it (Effect RPC's default) the id is lost and the secret crosses: what the middleware prevents", () =>
    Effect.gen(function*() {
      const url = yield* startServer({ serialization: "json-rpc", bare: true })
      const text = yield* post(url, { jsonrpc: "2.0", id: 77, method: "Get", params: { id: "r-die" } })
      const reply = JSON.parse(text)
      assert.notStrictEqual(reply.id, 77)
      assert.include(text, "s3cr3t")
      // and our client still reads the bare defect as a redacted remote internal failure
      const f = yield* Effect.gen(function*() {
        const client = yield* EffectRpc.client(BareRpcs)
        return yield* flipFault(client.Get({ id: "r-die" }))
      }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))
      assert.strictEqual((f as Fault.RemoteFault).remoteCode, "InternalError")
      assert.notInclude(JSON.stringify(f), "s3cr3t")
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

describe("Effect RPC defects and calls in flight", () => {
  it.live("without the middleware a defect fails every call in flight; with it only its own", () =>
    Effect.gen(function*() {
      const run = (bare: boolean) =>
        Effect.gen(function*() {
          const url = yield* startServer({ serialization: "json-rpc", bare })
          return yield* Effect.gen(function*() {
            type Calls = {
              readonly Slow: (p: { readonly ms: number }) => Effect.Effect<string, unknown>
              readonly Get: (p: { readonly id: string }) => Effect.Effect<unknown, unknown>
            }
            const client: Calls = bare ? yield* EffectRpc.client(BareRpcs) : yield* EffectRpc.client(ClientRpcs)
            const slowFiber = yield* Effect.forkChild(Effect.exit(client.Slow({ ms: 200 })))
            yield* Effect.sleep("30 millis")
            yield* Effect.exit(client.Get({ id: "r-die" }))
            return yield* Fiber.join(slowFiber)
          }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))
        }).pipe(Effect.scoped)
      const bare = yield* run(true)
      const guarded = yield* run(false)
      assert.isTrue(Exit.isFailure(bare), "Effect RPC's connection-level defect fails the slow call too")
      assert.deepStrictEqual(guarded, Exit.succeed("slow done"))
    }).pipe(Effect.provide(quiet)))
})

describe("correlation across Effect RPC", () => {
  it.effect("the caller's correlation id reaches the server and comes back on its failures", () =>
    Effect.gen(function*() {
      const url = yield* startServer({ serialization: "json-rpc" })
      const id = "0f8e3a52-6c1d-4b7e-9a40-2d5c8b1e7f63"
      const [declared, undeclared, trusted] = yield* Effect.all([
        withClient(url, "json-rpc", (c) => flipFault(c.Get({ id: "r-404" }))),
        withClient(url, "json-rpc", (c) => flipFault(c.Get({ id: "r-die" }))),
        withClient(url, "json-rpc", (c) => flipFault(c.Get({ id: "r-404" })), { mode: "trust" })
      ]).pipe(Correlation.withId(id))
      assert.strictEqual(declared.correlationId, id)
      assert.strictEqual(undeclared.correlationId, id)
      assert.strictEqual(trusted.correlationId, id)
      assert.isTrue(trusted instanceof Fault.NotFound)
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("a plain RpcClient (no wrapper) still gets the declared fault typed from our server", () =>
    Effect.gen(function*() {
      const url = yield* startServer({ serialization: "json-rpc" })
      const e = yield* Effect.gen(function*() {
        const raw = yield* RpcClient.make(ClientRpcs)
        return yield* Effect.flip(raw.Get({ id: "r-404" }))
      }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))
      assert.isTrue(e instanceof Fault.NotFound)
      const internal = yield* Effect.gen(function*() {
        const raw = yield* RpcClient.make(ClientRpcs)
        return yield* Effect.flip(raw.Get({ id: "r-die" }))
      }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))
      assert.isTrue(internal instanceof EffectRpc.RpcFailure)
      assert.strictEqual((internal as EffectRpc.RpcFailure).code, "InternalError")
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

describe("reading Effect RPC's signals never throws", () => {
  it("fromDefect and fromCause turn any defect into a usable fault", () => {
    const defects = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.string().map((s) => `Failed to encode response for RPC "Get": ${s}`),
      fc.string().map((s) => `${s}\n  at ${s}`),
      fc.string().map((s) => `Expected string, got ${s}\n  at ["id"]["x"][0]`)
    )
    fc.assert(
      fc.property(defects, fc.constantFrom("trust" as const, "distrust" as const), (defect, mode) => {
        const f = EffectRpc.fromCause(Cause.die(defect), { mode }) as Fault.Fault
        return Fault.isFault(f) && typeof f.message === "string" && Failures.kind(f) !== undefined
      }),
      { numRuns: 5_000 }
    )
  })
})

describe("reporting the failures of remote calls", () => {
  it.effect("local and remote failures are reported, or not, as Failures.CurrentLogging says", () =>
    Effect.gen(function*() {
      const url = yield* startServer({ serialization: "json" })
      const seen: Array<string> = []
      const hooks = Layer.succeed(Report.CurrentHooks, {
        ...Report.silent,
        received: (f) => Effect.sync(() => seen.push(`received ${f.code}`)),
        handled: (f) => Effect.sync(() => seen.push(`handled ${f.code}`))
      })
      const calls = withClient(
        url,
        "json",
        (c) => Effect.all([Effect.flip(c.Get({ id: "" })), Effect.flip(c.Get({ id: "r-404" }))])
      )
      for (
        const logging of [
          { local: true, remote: true },
          { local: false, remote: true },
          { local: true, remote: false },
          { local: false, remote: false }
        ]
      ) {
        seen.length = 0
        yield* calls.pipe(Effect.provide(hooks), Effect.provideService(Failures.CurrentLogging, logging))
        const expected = [
          ...(logging.local ? ["handled SchemaViolation"] : []),
          ...(logging.remote ? ["received RemoteFault"] : [])
        ]
        assert.deepStrictEqual(seen, expected, JSON.stringify(logging))
      }
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

describe("the client's cheap paths", () => {
  it("an RpcFailure carries no stack frames (built for every redacted failure and every decode)", () => {
    const limit = Error.stackTraceLimit
    const made = new EffectRpc.RpcFailure({ code: "InternalError", message: "Internal error", status: 500 })
    const decoded = Schema.decodeUnknownSync(EffectRpc.RpcFailure)({
      _tag: "effect-faults/RpcFailure",
      code: "NotFound"
    })
    for (const f of [made, decoded]) {
      assert.isString(f.stack)
      assert.notInclude(f.stack!, "\n    at ")
    }
    assert.strictEqual(Error.stackTraceLimit, limit, "the limit is restored")
  })

  it("fromTyped in distrust mode gives the same RemoteFault as the envelope round trip", () => {
    const own = (f: Fault.Fault) => ({ ...f, message: f.message, code: f.code, status: f.status, origin: f.origin })
    const faults = [
      ...samples,
      Fault.withCorrelationId(new Fault.RateLimited({ retryAfterMs: 1500 }), "c-7"),
      Fault.withCorrelationId(new Fault.InternalError({ message: "postgres://admin:s3cr3t@db" }), "c-8")
    ]
    for (const fault of faults) {
      if (fault._tag === "SchemaViolation") continue // a protocol fact, marked received in both modes
      const direct = Failures.fromTyped(fault, { protocol: "effect-rpc" })
      const viaEnvelope = Failures.fromEnvelope(Failures.toEnvelope(fault), {
        protocol: "effect-rpc",
        mode: "distrust"
      })
      assert.deepStrictEqual(own(direct), own(viaEnvelope), fault._tag)
      assert.strictEqual(direct._tag, "RemoteFault")
    }
  })
})

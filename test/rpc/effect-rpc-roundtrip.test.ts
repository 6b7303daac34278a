import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RpcGroup } from "effect/rpc"
import { Exposure, Fault } from "../../src/index.ts"
import { EffectRpc } from "../../src/rpc/index.ts"
import { clientProtocol, ClientRpcs, quiet, samples, startServer } from "./effect-rpc-fixtures.ts"

const leaks = (f: unknown): boolean => {
  const r = f as Fault.Fault & { failure?: unknown; remoteMessage?: unknown }
  const text = JSON.stringify(f) + String(r.message) + String(r.stack) + JSON.stringify(r.failure ?? null) +
    String(r.remoteMessage)
  return /s3cr3t|tok_LIVE|admin:/.test(text)
}

type Client = EffectRpc.Client<RpcGroup.Rpcs<typeof ClientRpcs>>

const arrive = (url: string, mode: "trust" | "distrust", declared: boolean) =>
  Effect.gen(function*() {
    const client: Client = yield* EffectRpc.client(ClientRpcs, { mode })
    return yield* Effect.forEach(samples, (_, index) =>
      Effect.flip(declared ? client.FailDeclared({ index }) : client.FailUndeclared({ index })))
  }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))

describe("round trip of every built-in fault through Effect RPC", () => {
  for (const declared of [true, false]) {
    const how = declared ? "declared" : "undeclared"

    it.effect(`trust mode (${how}): a public fault arrives equal, received; a 5xx one as the redacted InternalError`, () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization: "json-rpc" })
        const arrived = yield* arrive(url, "trust", declared)
        samples.forEach((sent, i) => {
          const got = arrived[i] as Fault.Fault
          assert.isFalse(leaks(got), `${sent._tag} leaked a secret`)
          if (Exposure.isPublic(sent)) {
            assert.strictEqual(got._tag, sent._tag, sent._tag)
            assert.strictEqual(got.origin, "remote", sent._tag)
            assert.deepStrictEqual(Exposure.fieldsOf(got), Exposure.fieldsOf(sent), sent._tag)
            assert.strictEqual(got.message, sent.message, sent._tag)
            assert.strictEqual(got.retryAfterMs, sent.retryAfterMs, sent._tag)
          } else {
            assert.strictEqual(got._tag, "InternalError", sent._tag)
            assert.strictEqual(got.message, "Internal error", sent._tag)
            assert.strictEqual(got.origin, "remote", sent._tag)
          }
        })
      }).pipe(Effect.scoped, Effect.provide(quiet)))

    it.effect(`distrust mode (${how}): every remote failure is wrapped in a RemoteFault with a copied failure`, () =>
      Effect.gen(function*() {
        const url = yield* startServer({ serialization: "json-rpc" })
        const arrived = yield* arrive(url, "distrust", declared)
        samples.forEach((sent, i) => {
          const got = arrived[i] as Fault.Fault
          assert.isFalse(leaks(got), `${sent._tag} leaked a secret`)
          if (sent._tag === "SchemaViolation") {
            // a contract violation is a protocol fact: it arrives as what it is, caught remotely
            assert.strictEqual(got._tag, "SchemaViolation")
            assert.strictEqual(got.origin, "remote")
            assert.deepStrictEqual(Exposure.fieldsOf(got), Exposure.fieldsOf(sent))
            return
          }
          assert.strictEqual(got._tag, "RemoteFault", sent._tag)
          const remote = got as Fault.RemoteFault
          assert.strictEqual(remote.protocol, "effect-rpc")
          if (Exposure.isPublic(sent)) {
            assert.strictEqual(remote.remoteCode, sent.code, sent._tag)
            assert.strictEqual(remote.remoteMessage, sent.message, sent._tag)
            assert.strictEqual(remote.failure?.type, sent._tag, sent._tag)
            assert.strictEqual(remote.failure?.message, sent.message, sent._tag)
            assert.include(remote.failure?.parents ?? [], "Error")
          } else {
            assert.strictEqual(remote.remoteCode, "InternalError", sent._tag)
            assert.strictEqual(remote.failure?.type, "InternalError", sent._tag)
            assert.strictEqual(remote.failure?.message, "Internal error", sent._tag)
          }
          assert.isUndefined(remote.failure?.trace, "no trace unless the server allows it")
        })
      }).pipe(Effect.scoped, Effect.provide(quiet)))
  }

  it.effect("with unsafeTracebacks on the server, the copied failure carries a trace of at most 2000 bytes", () =>
    Effect.gen(function*() {
      const url = yield* startServer({
        serialization: "json-rpc",
        server: { config: { ...Exposure.defaultConfig, unsafeTracebacks: true } }
      })
      const got = yield* Effect.gen(function*() {
        const client: Client = yield* EffectRpc.client(ClientRpcs)
        // a deep stack: the trace must be cut, keeping head and tail
        return yield* Effect.flip(client.Get({ id: "r-die" }))
      }).pipe(Effect.provide(clientProtocol(url, "json-rpc")))
      const trace = (got as Fault.RemoteFault).failure?.trace
      assert.isString(trace)
      assert.isAtMost(Buffer.byteLength(trace!), 2000)
      assert.include(trace!, "Error")
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

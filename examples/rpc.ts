/**
 * Tour, RPC chapter: Foolscap's "get and store record" program on Effect RPC, two servers on
 * loopback. A remote "not found" or a dropped server moves to the next server; a local failure (our
 * own arguments break the contract) never does; both servers failing ends in one clear report
 * carrying the copied failure.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, References, Schema } from "effect"
import { Fault, Policy, Report } from "effect-faults"
import { EffectRpc, Failures } from "effect-faults/rpc"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { Rpc, RpcClient, RpcGroup, RpcSerialization, RpcServer } from "effect/rpc"
import { createServer } from "node:http"

const Record = Schema.Struct({ id: Schema.String, value: Schema.String.check(Schema.isMaxLength(32)) })

class Records extends RpcGroup.make(
  Rpc.make("GetRecord", { payload: { id: Schema.String }, success: Record, error: Fault.NotFound }),
  Rpc.make("StoreRecord", { payload: { record: Record }, success: Schema.Void })
).middleware(EffectRpc.FaultMiddleware) {}

const quiet = Layer.succeed(Report.CurrentHooks, Report.silent)
const serialization = RpcSerialization.layerJsonRpc()

/** One record server on 127.0.0.1 (port 0), holding `initial`; returns its URL and its call count. */
const recordServer = (name: string, initial: ReadonlyArray<readonly [string, string]>) =>
  Effect.gen(function*() {
    const store = new Map(initial)
    const calls = { count: 0 }
    const handlers = Records.toLayer({
      GetRecord: ({ id }) =>
        Effect.suspend(() => {
          calls.count++
          const value = store.get(id)
          return value === undefined
            ? Effect.fail(new Fault.NotFound({ resource: `record on ${name}`, id }))
            : Effect.succeed({ id, value })
        }),
      StoreRecord: ({ record }) =>
        Effect.sync(() => {
          calls.count++
          store.set(record.id, record.value)
        })
    })
    const live = HttpRouter.serve(
      RpcServer.layerHttp({ group: Records, path: "/rpc", protocol: "http" }).pipe(
        Layer.provide([handlers, EffectRpc.layerServer(), serialization])
      ),
      { disableListenLog: true, disableLogger: true }
    ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })), Layer.provide(quiet))
    const context = yield* Layer.build(live)
    return { url: `${HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)}/rpc`, calls }
  })

const closedPort = Effect.callback<number>((resume) => {
  const s = createServer()
  s.listen(0, "127.0.0.1", () => {
    const port = (s.address() as { port: number }).port
    s.close(() => resume(Effect.succeed(port)))
  })
})

const clientOf = (url: string) =>
  EffectRpc.client(Records, { host: new URL(url).host }).pipe(
    Effect.provide(RpcClient.layerProtocolHttp({ url }).pipe(Layer.provide([FetchHttpClient.layer, serialization])))
  )

const describe = (f: Fault.Fault) => {
  const kind = Failures.kind(f) ?? f.category
  return f._tag === "RemoteFault"
    ? `${kind}: RemoteFault(${(f as Fault.RemoteFault).remoteCode}) "${(f as Fault.RemoteFault).remoteMessage}"`
    : `${kind}: ${f._tag} "${f.message}"`
}

/** The one clear report when every server failed. */
const report = (f: Fault.Fault) => {
  const copied = (f as Fault.RemoteFault).failure
  console.log("   ┌ get-and-store failed on every server")
  console.log(`   │ fault:    ${f._tag} (${Failures.kind(f)}) — expected: ${f.expected}`)
  console.log(`   │ message:  ${f.message}`)
  if (copied !== undefined) {
    console.log(`   │ copied:   ${copied.type}: ${copied.message}`)
    console.log(`   │ parents:  ${copied.parents.join(" → ")}`)
    console.log(`   │ trace:    ${copied.trace ?? "(not sent: the server keeps its tracebacks)"}`)
  }
  console.log("   └ event id " + f.eventId)
}

export async function run() {
  console.log("\n=== 6. RPC: get and store a record, two servers, six ways to fail (Effect RPC) ===")
  await Effect.runPromise(
    Effect.gen(function*() {
      const server1 = yield* recordServer("server1", [["r-1", "one"]])
      const server2 = yield* recordServer("server2", [["r-1", "one"], ["r-7", "seven"]])
      const down = `http://127.0.0.1:${yield* closedPort}/rpc` // nobody listens there
      const [c1, c2, c0] = [yield* clientOf(server1.url), yield* clientOf(server2.url), yield* clientOf(down)]
      const fallback = { when: Failures.isWorthFallback }

      // get a record from the first server that has it, then store a copy of it
      const getAndStore = (first: typeof c1, second: typeof c1, storeOn: typeof c1, id: string) =>
        first.GetRecord({ id }).pipe(
          Effect.tapError((f) => Effect.sync(() => console.log(`   first server: ${describe(f as Fault.Fault)}`))),
          Policy.fallback([second.GetRecord({ id })], fallback),
          Effect.tap((record) => storeOn.StoreRecord({ record: { id: `${record.id}-copy`, value: record.value } }))
        )

      console.log("1. server1 has no r-7 (a remote not-found) → server2 answers")
      const r7 = yield* getAndStore(c1, c2, c1, "r-7")
      console.log(`   got ${JSON.stringify(r7)} and stored a copy on server1`)

      console.log("2. server1 is down (the connection fails) → server2 answers")
      const r1 = yield* getAndStore(c0, c2, c2, "r-1")
      console.log(`   got ${JSON.stringify(r1)} and stored a copy on server2`)

      console.log("3. a local failure: our own record breaks the contract → no fallback, nothing sent")
      const before = server2.calls.count
      const local = yield* Effect.flip(
        c1.StoreRecord({ record: { id: "r-9", value: "x".repeat(40) } }).pipe(
          Policy.fallback([c2.StoreRecord({ record: { id: "r-9", value: "x".repeat(40) } })], fallback)
        )
      )
      console.log(`   ${describe(local as Fault.Fault)}; server2 calls: ${server2.calls.count - before}`)

      console.log("4. both servers fail → one clear report, with the copied failure")
      const both = yield* Effect.flip(getAndStore(c1, c2, c1, "r-404"))
      report(both as Fault.Fault)
    }).pipe(
      Effect.scoped,
      Effect.provide(quiet),
      Effect.provideService(References.MinimumLogLevel, "Error") // the narration says what the policy logs
    )
  )
}

if (import.meta.main) await run()

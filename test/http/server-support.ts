/**
 * For the tests of our own server side: one request with `fetch` to the Effect `HttpServer` in
 * context (on 127.0.0.1, port 0), answered as status, headers and text.
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { HttpServer } from "effect/http"

export interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

export const call = (path: string, init?: RequestInit): Effect.Effect<Answer, never, HttpServer.HttpServer> =>
  Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    assert.strictEqual(address._tag, "InetAddressV4")
    const url = `http://127.0.0.1:${address._tag === "InetAddressV4" ? address.port : 0}${path}`
    const res = yield* Effect.promise(() => fetch(url, init))
    const body = yield* Effect.promise(() => res.text())
    return { status: res.status, headers: Object.fromEntries(res.headers), body }
  })

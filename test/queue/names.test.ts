import { assert, describe, it } from "@effect/vitest"
import { AmqpDriver } from "../../src/queue/amqp/index.ts"
import { NatsDriver } from "../../src/queue/nats/index.ts"

describe("driver naming", () => {
  it("RabbitMQ delay buckets keep two significant digits (≤ 5 % off) and at least 1 ms", () => {
    assert.deepStrictEqual([0, 0.5, 7, 50, 99, 1234, 56789, 99999].map(AmqpDriver.delayBucket), [
      1,
      1,
      7,
      50,
      99,
      1200,
      57000,
      100000
    ])
    for (let ms = 1; ms < 1e7; ms = Math.ceil(ms * 1.37)) {
      const b = AmqpDriver.delayBucket(ms)
      assert.isAtMost(Math.abs(b - ms) / ms, 0.05, `${ms} → ${b}`)
    }
  })

  it("NATS stream names are valid and keep distinct queues distinct", () => {
    const a = NatsDriver.streamName("gp.in"), b = NatsDriver.streamName("gp_in")
    assert.notStrictEqual(a, b)
    assert.match(a, /^EF_[A-Za-z0-9_-]+$/)
    assert.match(NatsDriver.streamName("a b.c*>"), /^EF_[A-Za-z0-9_-]+$/)
  })
})

/**
 * `npm run example`: a short tour of effect-faults, on embedded defaults (in-memory queue, loopback
 * servers). Pass `--rabbitmq` or `--nats` (or both) to run the queue scenario on a real broker too.
 */
const chapters = ["./core.ts", "./policy.ts", "./http.ts", "./http-client.ts", "./queue.ts", "./rpc.ts", "./secure.ts"]
for (const path of chapters) await (await import(path)).run()

/**
 * Bounded body reading for error responses. Effect 4.1 enforces `HttpIncomingMessage.MaxBodySize`
 * only in `NodeHttpClient.layerNodeHttp`; fetch and undici buffer whatever arrives. Reading the
 * response `stream` chunk by chunk and stopping at the limit works with every client layer: ending
 * the stream early cancels the reader (fetch/undici) or destroys the `IncomingMessage` (node:http),
 * so the rest of a huge body is never pulled into memory.
 *
 * @internal
 */
import { Context, Effect, Stream } from "effect"
import type { HttpClientError, HttpClientResponse } from "effect/http"

/**
 * How many bytes of an error body the client reads (default 16 KiB): enough for any honest error
 * document, small enough that a hostile 10 MB body costs nothing.
 *
 * @internal
 */
export const MaxErrorBodyBytes: Context.Reference<number> = Context.Reference<number>(
  "effect-faults/http/Client/MaxErrorBodyBytes",
  { defaultValue: () => 16 * 1024 }
)

/** @internal */
export interface Bounded {
  readonly text: string
  readonly truncated: boolean
  /** Bytes kept (at most the limit). */
  readonly bytes: number
}

const decoder = new TextDecoder("utf-8", { fatal: false })

/**
 * Reads at most `limit` bytes of a body; `truncated` when more was on offer. Bytes beyond the limit
 * are never kept: a chunk crossing the limit is cut, and the stream is ended right there.
 *
 * @internal
 */
export const readBounded = (
  stream: Stream.Stream<Uint8Array, HttpClientError.HttpClientError>,
  limit: number
): Effect.Effect<Bounded, HttpClientError.HttpClientError> =>
  Effect.suspend(() => {
    const max = Math.max(0, Math.floor(limit))
    const buffer = new Uint8Array(max)
    let length = 0
    let truncated = false
    return Stream.runForEachWhile(stream, (chunk) =>
      Effect.sync(() => {
        const room = max - length
        if (chunk.length > room) {
          buffer.set(chunk.subarray(0, room), length)
          length = max
          truncated = true
          return false
        }
        buffer.set(chunk, length)
        length += chunk.length
        // at the limit exactly: one more byte would be truncation, but we cannot know without reading it
        return true
      })).pipe(
        Effect.map((): Bounded => ({
          // a multi-byte character cut at the limit decodes as U+FFFD, never throws
          text: decoder.decode(buffer.subarray(0, length)),
          truncated,
          bytes: length
        }))
      )
  })

/**
 * The error body of a response, bounded by {@link MaxErrorBodyBytes} unless a limit is given.
 * An absent body reads as empty.
 *
 * @internal
 */
export const readErrorBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit?: number
): Effect.Effect<Bounded, HttpClientError.HttpClientError> =>
  Effect.flatMap(
    limit === undefined ? MaxErrorBodyBytes : Effect.succeed(limit),
    (max) =>
      readBounded(response.stream, max).pipe(
        Effect.catchIf(
          (e) => e.reason._tag === "EmptyBodyError",
          () => Effect.succeed<Bounded>({ text: "", truncated: false, bytes: 0 })
        )
      )
  )

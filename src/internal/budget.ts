/**
 * The arithmetic of the retry budgets, shared by the in-memory store and the local fallback of the
 * Redis store: a sliding window of request / retry counts (Finagle, Envoy) and a token bucket (gRPC
 * retry throttling).
 *
 * @internal
 */

/** @internal */
export interface RatioConfig {
  readonly _tag: "Ratio"
  readonly ratio: number
  readonly floor: number
  readonly windowMs: number
  readonly slots: number
}

/** @internal */
export interface TokenBucketConfig {
  readonly _tag: "TokenBucket"
  readonly maxTokens: number
  readonly tokenRatio: number
  readonly failureCost: number
}

/** @internal */
export type Config = RatioConfig | TokenBucketConfig

/** @internal */
export type Event = "request" | "success" | "failure"

/** A sliding window cut in `slots` ring cells, each `windowMs / slots` long. @internal */
export interface RatioState {
  readonly _tag: "Ratio"
  readonly requests: Float64Array
  readonly retries: Float64Array
  /** The slot number (time / slotMs) each cell currently holds. */
  readonly stamps: Float64Array
}

/** @internal */
export interface BucketState {
  readonly _tag: "TokenBucket"
  tokens: number
}

/** @internal */
export type State = RatioState | BucketState

/** @internal */
export const makeState = (config: Config): State =>
  config._tag === "Ratio"
    ? {
      _tag: "Ratio",
      requests: new Float64Array(config.slots),
      retries: new Float64Array(config.slots),
      stamps: new Float64Array(config.slots).fill(-1)
    }
    : { _tag: "TokenBucket", tokens: config.maxTokens }

const cell = (config: RatioConfig, state: RatioState, now: number): number => {
  const slot = Math.floor(now / (config.windowMs / config.slots))
  const index = slot % config.slots
  if (state.stamps[index] !== slot) {
    // the cell held an older slot: it left the window
    state.stamps[index] = slot
    state.requests[index] = 0
    state.retries[index] = 0
  }
  return index
}

const totals = (config: RatioConfig, state: RatioState, now: number): { requests: number; retries: number } => {
  const slot = Math.floor(now / (config.windowMs / config.slots))
  let requests = 0
  let retries = 0
  for (let i = 0; i < config.slots; i++) {
    const stamp = state.stamps[i]!
    if (stamp > slot - config.slots && stamp <= slot) {
      requests += state.requests[i]!
      retries += state.retries[i]!
    }
  }
  return { requests, retries }
}

/**
 * Whether two budgets are the same budget: equal by value, so a budget written inline per call (a
 * fresh object each time) keeps its key's state instead of starting it over. @internal
 */
export const sameConfig = (a: Config, b: Config): boolean => {
  if (a === b) return true
  if (a._tag === "Ratio") {
    return b._tag === "Ratio" && a.ratio === b.ratio && a.floor === b.floor && a.windowMs === b.windowMs &&
      a.slots === b.slots
  }
  return b._tag === "TokenBucket" && a.maxTokens === b.maxTokens && a.tokenRatio === b.tokenRatio &&
    a.failureCost === b.failureCost
}

/** Records one event; never fails, never blocks. @internal */
export const record = (config: Config, state: State, event: Event, now: number): void => {
  if (config._tag === "Ratio") {
    if (event !== "request") return
    const s = state as RatioState
    s.requests[cell(config, s, now)]! += 1
    return
  }
  const s = state as BucketState
  if (event === "success") s.tokens = Math.min(config.maxTokens, s.tokens + config.tokenRatio)
  else if (event === "failure") s.tokens = Math.max(0, s.tokens - config.failureCost)
}

/**
 * Records a retry granted elsewhere (by the shared store), without asking: the local window then
 * holds the retries as well as the requests. The token bucket does not count retries. @internal
 */
export const retried = (config: Config, state: State, now: number): void => {
  if (config._tag !== "Ratio") return
  const s = state as RatioState
  s.retries[cell(config, s, now)]! += 1
}

/** Asks for one retry; records it when allowed. @internal */
export const acquire = (config: Config, state: State, now: number): boolean => {
  if (config._tag === "Ratio") {
    const s = state as RatioState
    const t = totals(config, s, now)
    if (t.retries + 1 > config.floor + config.ratio * t.requests) return false
    s.retries[cell(config, s, now)]! += 1
    return true
  }
  // gRPC: retries are allowed while the token count is above half the maximum
  return (state as BucketState).tokens > config.maxTokens / 2
}

/** What a budget looks like now, for tests and dashboards. @internal */
export const snapshot = (config: Config, state: State, now: number) =>
  config._tag === "Ratio"
    ? { _tag: "Ratio" as const, ...totals(config, state as RatioState, now) }
    : { _tag: "TokenBucket" as const, tokens: (state as BucketState).tokens }

/**
 * One Lua script for both budgets, so a fleet shares one atomic decision per upstream key. Pending
 * local events are applied first; then, when asked, one retry is acquired. Time is Redis `TIME`, so
 * every process agrees on the window.
 *
 * KEYS[1] the budget key. ARGV: kind, ratio|maxTokens, floor|tokenRatio, windowMs|failureCost, slots,
 * requests, successes, failures, acquire (1/0). Returns -1 (nothing asked), 0 (refused), 1 (allowed).
 *
 * @internal
 */
export const lua = `
local key = KEYS[1]
local kind = ARGV[1]
local a = tonumber(ARGV[2])
local b = tonumber(ARGV[3])
local c = tonumber(ARGV[4])
local slots = tonumber(ARGV[5])
local requests = tonumber(ARGV[6])
local successes = tonumber(ARGV[7])
local failures = tonumber(ARGV[8])
local ask = ARGV[9] == "1"
if kind == "Ratio" then
  local t = redis.call("TIME")
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local slotMs = c / slots
  local slot = math.floor(now / slotMs)
  if requests > 0 then
    redis.call("HINCRBYFLOAT", key, "q" .. slot, requests)
  end
  local result = -1
  if ask then
    local all = redis.call("HGETALL", key)
    local q = 0
    local r = 0
    for i = 1, #all, 2 do
      local field = all[i]
      local s = tonumber(string.sub(field, 2))
      if s <= slot - slots then
        redis.call("HDEL", key, field)
      elseif string.sub(field, 1, 1) == "q" then
        q = q + tonumber(all[i + 1])
      else
        r = r + tonumber(all[i + 1])
      end
    end
    if r + 1 > b + a * q then
      result = 0
    else
      redis.call("HINCRBYFLOAT", key, "r" .. slot, 1)
      result = 1
    end
  end
  redis.call("PEXPIRE", key, math.floor(c * 2))
  return result
end
local tokens = tonumber(redis.call("HGET", key, "tokens") or a)
if successes > 0 or failures > 0 then
  tokens = math.max(0, math.min(a, tokens + b * successes - c * failures))
  redis.call("HSET", key, "tokens", tostring(tokens))
end
redis.call("PEXPIRE", key, 3600000)
if ask then
  if tokens > a / 2 then return 1 else return 0 end
end
return -1
`

/**
 * effect-faults/rpc: faults over RPC — Effect RPC, JSON-RPC 2.0 and gRPC.
 *
 * @since 0.1.0
 */
/**
 * The six ways a remote call fails, the wire envelope and the trust-mode decoding every RPC
 * transport shares.
 *
 * @since 0.1.0
 */
export * as Failures from "./Failures.ts"

/**
 * A failure copied for the other party: type name, message, parent types, trace when allowed.
 *
 * @since 0.1.0
 */
export * as CopiedFailure from "./CopiedFailure.ts"

/**
 * Faults on Effect RPC: server middleware and a client whose calls fail with faults.
 *
 * @since 0.1.0
 */
export * as EffectRpc from "./EffectRpc.ts"

/**
 * Faults on JSON-RPC 2.0: fault ↔ error object, a server and a client.
 *
 * @since 0.1.0
 */
export * as JsonRpc from "./JsonRpc.ts"

// gRPC lives at `effect-faults/rpc/grpc`: it loads `@grpc/grpc-js` (an optional peer dependency),
// which users of Effect RPC or JSON-RPC alone should not need.

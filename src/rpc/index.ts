/**
 * effect-faults/rpc: faults over RPC — Effect RPC, JSON-RPC 2.0 and gRPC.
 *
 * @since 0.1.0
 */
export {}

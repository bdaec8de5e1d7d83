package io.reactiveraft.transport.rsocket;

/**
 * Counters of one {@link RSocketTransport} since it was built. A snapshot: each counter is read
 * once, not all at the same instant.
 *
 * @param sent requests issued to a peer's connection
 * @param acknowledged requests the peer acknowledged (it accepted the message; an AppendEntries
 *     once the follower answered it, or answered a later one)
 * @param failed requests issued that ended without an acknowledgement: an error answer, a timeout,
 *     or the connection closing under them (an AppendEntries its follower never answered, say one
 *     of a term the follower had left, also ends in a timeout)
 * @param dropped messages never issued: the peer's window was full, the peer was down or in its
 *     reconnect backoff, the connection attempt failed, the frame was over the size limit, or the
 *     transport was closed
 * @param rejectedInbound inbound requests answered with an error: malformed or oversized frames,
 *     wrong group, a sender that is not who its connection authenticated as, or no one serving yet
 * @param rejectedConnections inbound connections refused at SETUP: wrong cluster id or token, a
 *     member not in the peer list, or not a Raft connection
 * @param answered answers to AppendEntries sent back as the RSocket responses to the requests they
 *     answer, rather than as requests of their own
 */
public record RSocketTransportStats(
    long sent,
    long acknowledged,
    long failed,
    long dropped,
    long rejectedInbound,
    long rejectedConnections,
    long answered) {}

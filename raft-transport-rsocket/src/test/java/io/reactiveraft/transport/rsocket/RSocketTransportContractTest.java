package io.reactiveraft.transport.rsocket;

import io.reactiveraft.Member;
import io.reactiveraft.spi.Transport;
import io.reactiveraft.transport.TransportContract;

/** The RSocket transport meets the transport contract, over TCP on 127.0.0.1. */
class RSocketTransportContractTest extends TransportContract {

  @Override
  protected Member newMember(String id) {
    return new Member(id, Loopback.freeAddress());
  }

  @Override
  protected Transport newTransport(Member member) {
    return TestTransports.builder().build();
  }

  @Override
  protected void assertReleased(Member member, Transport transport) {
    Loopback.assertPortFree(Loopback.port(member.address()));
    Loopback.assertNoThreads("raft-rsocket-" + member.id() + "-");
  }
}

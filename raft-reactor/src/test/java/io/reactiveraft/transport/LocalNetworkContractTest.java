package io.reactiveraft.transport;

import io.reactiveraft.Member;
import io.reactiveraft.spi.Transport;
import io.reactiveraft.transport.local.LocalNetwork;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The in-JVM transport meets the transport contract. */
class LocalNetworkContractTest extends TransportContract {

  private final Scheduler scheduler = Schedulers.newSingle("local-network-contract", true);
  private final LocalNetwork network = new LocalNetwork(scheduler, 1);

  @Override
  protected Member newMember(String id) {
    return new Member(id, "local:" + id);
  }

  @Override
  protected Transport newTransport(Member member) {
    return network.transport(member.id());
  }

  @Override
  protected void tearDown() {
    scheduler.dispose();
  }
}

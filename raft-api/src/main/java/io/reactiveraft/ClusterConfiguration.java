package io.reactiveraft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Who is in the cluster: voters, which elect leaders and count toward commit, and learners, which
 * receive the log but never count. Configurations are log entries: a node uses the latest one in
 * its log, committed or not (thesis 4.1).
 *
 * @param voters voting members, in a stable order
 * @param learners non-voting members
 */
public record ClusterConfiguration(List<Member> voters, List<Member> learners) {

  /**
   * @throws IllegalArgumentException when an id appears twice, or there is no voter
   */
  public ClusterConfiguration {
    voters = List.copyOf(voters);
    learners = List.copyOf(learners);
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("a configuration needs at least one voter");
    }
    Set<String> ids = new HashSet<>();
    for (Member m : all(voters, learners)) {
      if (!ids.add(m.id())) {
        throw new IllegalArgumentException("member " + m.id() + " appears twice");
      }
    }
  }

  private static List<Member> all(List<Member> voters, List<Member> learners) {
    return Stream.concat(voters.stream(), learners.stream()).toList();
  }

  /** Every member, voters first. */
  public List<Member> members() {
    return all(voters, learners);
  }

  /** Whether member {@code id} votes and counts towards commits in this configuration. */
  public boolean isVoter(String id) {
    return voters.stream().anyMatch(m -> m.id().equals(id));
  }

  /** Whether member {@code id} receives the log here without voting or counting. */
  public boolean isLearner(String id) {
    return learners.stream().anyMatch(m -> m.id().equals(id));
  }

  /** Whether {@code id} is a member here, voter or learner. */
  public boolean contains(String id) {
    return isVoter(id) || isLearner(id);
  }

  /** The member with that id, voter or learner; empty when it is neither. */
  public Optional<Member> member(String id) {
    return members().stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /** The votes needed to win an election or commit: a strict majority of voters. */
  public int quorum() {
    return voters.size() / 2 + 1;
  }

  /** This configuration with {@code member} added as a learner. */
  public ClusterConfiguration withLearner(Member member) {
    List<Member> l = new ArrayList<>(learners);
    l.add(member);
    return new ClusterConfiguration(voters, l);
  }

  /** This configuration with learner {@code id} made a voter. */
  public ClusterConfiguration promote(String id) {
    Member m = learners.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
    List<Member> v = new ArrayList<>(voters);
    v.add(m);
    return new ClusterConfiguration(v, learners.stream().filter(x -> !x.id().equals(id)).toList());
  }

  /** This configuration without member {@code id}. */
  public ClusterConfiguration without(String id) {
    return new ClusterConfiguration(
        voters.stream().filter(m -> !m.id().equals(id)).toList(),
        learners.stream().filter(m -> !m.id().equals(id)).toList());
  }
}

package io.reactiveraft;

/**
 * The entry holding the command was replaced by an entry of another term at the same index, so the
 * command was definitely not applied there.
 */
public final class EntryOverwrittenException extends RaftException {
  private static final long serialVersionUID = 1L;

  /**
   * @param nodeId the node where the caller waited
   * @param index the entry's index
   * @param term the term the command's entry had
   * @param committedTerm the term of the entry that took its place
   */
  public EntryOverwrittenException(String nodeId, long index, long term, long committedTerm) {
    super(
        "node "
            + nodeId
            + ": entry "
            + index
            + " of term "
            + term
            + " was overwritten by term "
            + committedTerm
            + "; the command was not applied");
  }

  @Override
  public boolean outcomeUnknown() {
    return false;
  }
}

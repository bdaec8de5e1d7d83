package io.reactiveraft;

/**
 * The entry holding the command was replaced by an entry of another term at the same index, so the
 * command was definitely not applied there.
 */
public final class EntryOverwrittenException extends RaftException {
  private static final long serialVersionUID = 1L;

  public EntryOverwrittenException(long index, long term, long committedTerm) {
    super(
        "entry "
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

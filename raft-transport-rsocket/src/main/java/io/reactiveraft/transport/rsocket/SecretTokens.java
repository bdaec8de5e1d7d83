package io.reactiveraft.transport.rsocket;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens derived from a cluster's shared secret, which connections present in their SETUP frame
 * instead of the secret itself. Peers derive theirs from the cluster id and member id; an embedding
 * service may derive tokens for its own clients from other parts (a label keeps them apart).
 */
public final class SecretTokens {

  private static final String HMAC = "HmacSHA256";

  private SecretTokens() {}

  /**
   * HMAC-SHA256 keyed with {@code secret} over each part as length-prefixed UTF-8, so that ("ab",
   * "c") and ("a", "bc") give different tokens. 32 bytes.
   *
   * @throws IllegalArgumentException when the secret is empty
   */
  public static byte[] derive(byte[] secret, String... parts) {
    Objects.requireNonNull(secret, "secret");
    if (secret.length == 0) {
      throw new IllegalArgumentException("the shared secret must not be empty");
    }
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(secret, HMAC));
      for (String part : parts) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        mac.update((byte) (bytes.length >>> 24));
        mac.update((byte) (bytes.length >>> 16));
        mac.update((byte) (bytes.length >>> 8));
        mac.update((byte) bytes.length);
        mac.update(bytes);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // Every Java 17 runtime ships HmacSHA256.
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Compares tokens in time that does not depend on where they differ. */
  public static boolean same(byte[] expected, byte[] presented) {
    return MessageDigest.isEqual(expected, presented);
  }
}

import { Command } from 'commander';
import { loadOrCreateSigningKey, signingKeyPaths } from '@conformance/runner';

export function keysCommand(): Command {
  return new Command('keys')
    .description("the installation's Ed25519 signing key ($CONFORMANCE_HOME/keys), which signs every run's evidence/SHA256SUMS")
    .addCommand(
      new Command('export')
        .description(
          "print the public key (PEM) that verifies this installation's bundles (conformance verify --key); makes the key pair on first use",
        )
        .action(async () => {
          const key = await loadOrCreateSigningKey();
          process.stdout.write(key.publicPem);
          process.stderr.write(
            `fingerprint ${key.fingerprint} (private key: ${signingKeyPaths().privateKey}, mode 0600, never copied into evidence)\n`,
          );
        }),
    );
}

import { Command, Option } from 'commander';
import { verifyRunDir } from '@conformance/runner';
import { ExitCode, suiteList } from '../shared.js';

export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'check a run folder: recompute every hash in evidence/SHA256SUMS, re-derive every verdict from the evidence and compare with report.json; exit 0 only when both match, 1 naming the first difference, 2 when the input is unusable',
    )
    .argument('<run-dir>', 'output folder of a run (it holds report.json and evidence/)')
    .addOption(
      new Option(
        '--key <pub.pem>',
        'public key of the installation that made the bundle (conformance keys export): evidence/SHA256SUMS.sig must be its signature',
      ).env('CONFORMANCE_VERIFY_KEY'),
    )
    .addOption(
      new Option('--suite <id|folder>[,…]', 'suites to re-score against (default: those report.json names)').argParser(suiteList),
    )
    .action(async (runDir: string, opts: { key?: string; suite?: string[] }) => {
      const result = await verifyRunDir(runDir, {
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.suite ? { suites: opts.suite } : {}),
      });
      const out = process.stdout;
      for (const path of result.unlisted) out.write(`note: evidence/${path} is not listed in SHA256SUMS (not checked)\n`);
      if (!result.ok) {
        out.write(`MISMATCH ${result.difference!.message}\n`);
        process.exitCode = ExitCode.checkFailed;
        return;
      }
      out.write(
        `OK ${result.files} file hash(es) match SHA256SUMS; ` +
          (result.signature.checked
            ? `SHA256SUMS.sig is a valid signature by ${result.signature.fingerprint}; `
            : `signature not checked (give --key)${result.signedBy ? `; run.json names the signer ${result.signedBy}` : ''}; `) +
          `${result.checks} check(s) and ${result.items} item(s) re-derived from the evidence match report.json\n`,
      );
      process.exitCode = ExitCode.ok;
    });
}

import { Command, Option } from 'commander';
import { certificationExitCode } from '@conformance/report';
import { runCertification } from '@conformance/runner';
import { consoleProgress, integer } from '../shared.js';

export function certifyCommand(): Command {
  return new Command('certify')
    .description(
      'certify an SDK: assess every SDK version × host app × configuration of a matrix and state, per version, in how many host apps each configuration holds; a positive control must fail, or the result is unproven',
    )
    .addOption(
      new Option(
        '--matrix <certify.yaml>',
        'the certification matrix: sdk (name, npm package, versions), hosts, configurations, scenarios',
      )
        .env('CONFORMANCE_MATRIX')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '-o, --out <dir>',
        'output folder: certification.json, certification.md and cells/ (default reports/certify-<package>)',
      ).env('CONFORMANCE_OUT'),
    )
    .addOption(
      new Option(
        '--window <ms>',
        "how long each scenario observes traffic after its last action (default: the matrix's window, else 6000)",
      ).argParser(integer('--window')),
    )
    .addOption(
      new Option('--sdk-cache <dir>', 'where installed SDK versions are kept between runs (default $CONFORMANCE_HOME/sdks)').env(
        'CONFORMANCE_SDK_CACHE',
      ),
    )
    .addOption(
      new Option(
        '--remote <webdriver-url>',
        'run every cell on this WebDriver endpoint (Selenium Grid 4, a device farm) instead of one local Appium',
      ).env('CONFORMANCE_REMOTE'),
    )
    .addOption(
      new Option(
        '--proxy-address <host>',
        'address the devices use to reach the proxy (for --remote on another machine; the proxy then listens on all interfaces)',
      ).env('CONFORMANCE_PROXY_ADDRESS'),
    )
    .addOption(
      new Option('--parallel <n>', 'how many cells are assessed at the same time (each has its own proxies and profiles)')
        .default(1)
        .argParser(integer('--parallel')),
    )
    .action(
      async (opts: {
        matrix: string;
        out?: string;
        window?: number;
        sdkCache?: string;
        remote?: string;
        proxyAddress?: string;
        parallel: number;
      }) => {
        const result = await runCertification({
          matrix: opts.matrix,
          ...(opts.out ? { out: opts.out } : {}),
          ...(opts.window !== undefined ? { observationMs: opts.window } : {}),
          ...(opts.sdkCache ? { sdkCache: opts.sdkCache } : {}),
          ...(opts.remote ? { remote: opts.remote } : {}),
          ...(opts.proxyAddress ? { proxyAddress: opts.proxyAddress } : {}),
          concurrency: Math.max(1, opts.parallel),
          progress: consoleProgress(),
        });
        const { certification } = result;
        const lines = [`${certification.sdk.package}: ${certification.verdict}`];
        for (const version of certification.versions) {
          lines.push(`  ${version.version}: ${version.verdict}`, ...version.statements.map((statement) => `    ${statement}`));
        }
        process.stdout.write(
          `\n${lines.join('\n')}\n\ncertification: ${result.markdownPath}\n               ${result.jsonPath}\n`,
        );
        process.exitCode = certificationExitCode(certification);
      },
    );
}

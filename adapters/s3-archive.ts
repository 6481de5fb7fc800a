import type { S3Client } from '@aws-sdk/client-s3';
import type { Report } from '../core/report.ts';
import { clientOf, type Lazy } from './aws-clients.ts';
import type { ReportArchive, ReportLinks } from '../core/store.ts';

/** reports/<reportId>/v<version>.json: versions are immutable, so an emitter retry reads what the reviewer wrote. */
export const reportObjectKey = (reportId: string, version: number) =>
  `reports/${reportId}/v${String(version).padStart(6, '0')}.json`;

export class S3ReportArchive implements ReportArchive {
  constructor(
    private readonly s3: Lazy<S3Client>,
    private readonly bucket: string,
  ) {}

  async put(report: Report): Promise<string> {
    const key = reportObjectKey(report.id, report.version);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await (await clientOf(this.s3)).send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(report),
        ContentType: 'application/json',
      }),
    );
    return key;
  }

  async get(reportId: string, version: number): Promise<Report> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const result = await (await clientOf(this.s3)).send(new GetObjectCommand({ Bucket: this.bucket, Key: reportObjectKey(reportId, version) }));
    const text = await result.Body?.transformToString('utf8');
    if (!text) throw new Error(`archived report ${reportId} v${version} is empty`);
    return JSON.parse(text) as Report;
  }
}

/**
 * `console`: the version's page in the S3 console (the reader signs in with their own access,
 * so nothing in the link grants it); otherwise an https template, e.g.
 * `https://soc.example/reports/{reportId}?v={version}`. Empty setting: no links.
 */
export const reportLinksOf = (setting: string, bucket: string, region: string): ReportLinks | undefined => {
  if (!setting) return undefined;
  const urlOf =
    setting === 'console'
      ? (reportId: string, version: number) =>
          `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${region}&prefix=${encodeURIComponent(reportObjectKey(reportId, version))}`
      : (reportId: string, version: number) =>
          setting.replaceAll('{reportId}', encodeURIComponent(reportId)).replaceAll('{version}', String(version));
  return { urlOf: async (reportId, version) => urlOf(reportId, version) };
};

/**
 * s3rver's objects kept in memory, for runs without a `--state` folder (whose DynamoDB side,
 * dynalite, is in memory then too). s3rver's FilesystemStore writes three files per PutObject
 * (the object, its md5, its metadata) and reads them back, with a mkdir, stat and rename on our
 * atomic path: about half of s3rver's CPU per put, plus libuv's file-system threads.
 * Here a put is one Map entry, and the REST protocol in front of it is unchanged: requests are
 * still parsed, authenticated and answered by s3rver's own Koa app and controllers, which call
 * this store with the same methods and expect the same results as FilesystemStore's.
 *
 * S3 semantics kept: an object appears whole when its upload has ended (never partially); the
 * ETag is the hex MD5 of the content; Last-Modified has a resolution of one second, as S3's
 * header; listings come in UTF-8 byte order of the keys (S3's order), with prefix, delimiter,
 * start-after and max-keys applied as FilesystemStore does; only the metadata FilesystemStore
 * keeps (content type, cache and encoding headers, storage class, x-amz-meta-*) is kept.
 *
 * Plain JavaScript: loaded by local/storage-servers.mjs, which runs without a TypeScript loader.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const fromS3rver = createRequire(import.meta.resolve('s3rver'));
const S3Bucket = fromS3rver('./models/bucket');
const S3Object = fromS3rver('./models/object');
const { getConfigModel } = fromS3rver('./models/config');

const byUtf8 = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The metadata FilesystemStore keeps for an object (its putMetadata's selection). */
const storedMetadata = (metadata) => {
  const kept = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = value;
  }
  return kept;
};

/**
 * A request body read whole. node:stream/consumers' buffer() goes through a Blob and two copies:
 * 20-26 µs for a 3 KB body against 3-5 µs gathering its chunks.
 */
const readWhole = (stream) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    stream
      .on('data', (chunk) => chunks.push(chunk))
      // A copy even of a single chunk: a socket's chunk is a view of its larger read buffer, which a stored view would keep alive.
      .once('end', () => resolve(Buffer.concat(chunks)))
      .once('error', reject);
  });

/** A stream over stored bytes: s3rver's GetObject pipes it into the response, and destroys it for a HEAD. */
const streamOf = (bytes) =>
  new Readable({
    read() {
      this.push(bytes);
      this.push(null);
    },
  });

export class S3rverMemoryStore {
  /** bucket name -> { created: Date, objects: Map<key, { content: Buffer, metadata, md5, modified: Date }>, subresources: Map<string, string> } */
  #buckets = new Map();
  /** upload id -> { bucket, key, metadata, parts: Map<number, Buffer> } */
  #uploads = new Map();

  #objectsOf(bucket) {
    const found = this.#buckets.get(bucket);
    if (!found) throw Object.assign(new Error(`no bucket ${bucket}`), { code: 'ENOENT' });
    return found.objects;
  }

  #metadataOf(stored) {
    return {
      ...stored.metadata,
      etag: JSON.stringify(stored.md5),
      'last-modified': stored.modified.toUTCString(),
      'content-length': stored.content.length,
    };
  }

  reset() {
    this.#buckets.clear();
    this.#uploads.clear();
  }

  async listBuckets() {
    return [...this.#buckets.keys()].sort().map((name) => new S3Bucket(name, this.#buckets.get(name).created));
  }

  async getBucket(bucket) {
    const found = this.#buckets.get(bucket);
    return found ? new S3Bucket(bucket, found.created) : null;
  }

  async putBucket(bucket) {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, { created: new Date(), objects: new Map(), subresources: new Map() });
    return this.getBucket(bucket);
  }

  async deleteBucket(bucket) {
    this.#buckets.delete(bucket);
  }

  async listObjects(bucket, options) {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const objects = this.#objectsOf(bucket);
    const keys = [...objects.keys()].filter((key) => key.startsWith(prefix) && (!startAfter || byUtf8(key, startAfter) > 0)).sort(byUtf8);
    const commonPrefixes = new Set();
    const listed = [];
    let isTruncated = false;
    for (const key of keys) {
      if (delimiter) {
        const at = key.indexOf(delimiter, prefix.length);
        if (at !== -1) {
          commonPrefixes.add(key.slice(0, at + delimiter.length));
          continue;
        }
      }
      if (listed.length < maxKeys) listed.push(key);
      else {
        isTruncated = true;
        break;
      }
    }
    return {
      objects: listed.map((key) => new S3Object(bucket, key, null, this.#metadataOf(objects.get(key)))),
      commonPrefixes: [...commonPrefixes].sort(byUtf8),
      isTruncated,
    };
  }

  async existsObject(bucket, key) {
    return this.#buckets.get(bucket)?.objects.has(key) ?? false;
  }

  async getObject(bucket, key, options) {
    const stored = this.#buckets.get(bucket)?.objects.get(key);
    if (!stored) return null;
    const metadata = this.#metadataOf(stored);
    const ranged = options && (options.start !== undefined || options.end);
    const lastByte = Math.max(0, stored.content.length - 1);
    const range = { start: options?.start || 0, end: Math.min(options?.end || Infinity, lastByte) };
    // An unsatisfiable range: no content, which s3rver's controller answers with InvalidRange.
    if (range.start < 0 || range.end < range.start) return Object.assign(new S3Object(bucket, key, null, metadata), ranged ? { range } : {});
    const content = ranged ? stored.content.subarray(range.start, range.end + 1) : stored.content;
    return Object.assign(new S3Object(bucket, key, streamOf(content), metadata), ranged ? { range } : {});
  }

  async putObject(object) {
    const objects = this.#objectsOf(object.bucket);
    // The whole body first: S3 never shows an object whose upload has not ended.
    const content = Buffer.isBuffer(object.content) ? object.content : await readWhole(object.content);
    const md5 = createHash('md5').update(content).digest('hex');
    objects.set(object.key, { content, metadata: storedMetadata(object.metadata), md5, modified: new Date() });
    return { size: content.length, md5 };
  }

  async copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    const source = this.#objectsOf(srcBucket).get(srcKey);
    if (!source) throw Object.assign(new Error(`no object ${srcKey} in ${srcBucket}`), { code: 'ENOENT' });
    const copy = { ...source, metadata: replacementMetadata ? storedMetadata(replacementMetadata) : source.metadata, modified: new Date() };
    this.#objectsOf(destBucket).set(destKey, copy);
    return this.#metadataOf(copy);
  }

  async deleteObject(bucket, key) {
    const found = this.#buckets.get(bucket);
    found?.objects.delete(key);
    for (const type of ['tagging']) found?.subresources.delete(`${key}\0${type}`);
  }

  async initiateUpload(bucket, key, uploadId, metadata) {
    this.#uploads.set(uploadId, { bucket, key, metadata, parts: new Map() });
  }

  async putPart(bucket, uploadId, partNumber, content) {
    const upload = this.#uploads.get(uploadId);
    const bytes = await readWhole(content);
    if (!upload) throw Object.assign(new Error(`no upload ${uploadId}`), { code: 'ENOENT' });
    upload.parts.set(Number(partNumber), bytes);
    return { size: bytes.length, md5: createHash('md5').update(bytes).digest('hex') };
  }

  async putObjectMultipart(bucket, uploadId, parts) {
    const upload = this.#uploads.get(uploadId);
    if (!upload) throw Object.assign(new Error(`no upload ${uploadId}`), { code: 'ENOENT' });
    const ordered = [...parts].sort((a, b) => a.number - b.number).map((part) => upload.parts.get(Number(part.number)) ?? Buffer.alloc(0));
    const result = await this.putObject(new S3Object(bucket, upload.key, Buffer.concat(ordered), upload.metadata));
    this.#uploads.delete(uploadId);
    return result;
  }

  async getSubresource(bucket, key, resourceType) {
    const xml = this.#buckets.get(bucket)?.subresources.get(`${key ?? ''}\0${resourceType}`);
    if (xml === undefined) return null;
    const Model = getConfigModel(resourceType);
    return new Model(xml);
  }

  async putSubresource(bucket, key, resource) {
    this.#buckets.get(bucket)?.subresources.set(`${key ?? ''}\0${resource.type}`, resource.toXML(2));
  }

  async deleteSubresource(bucket, key, resourceType) {
    this.#buckets.get(bucket)?.subresources.delete(`${key ?? ''}\0${resourceType}`);
  }
}

// The AWS SDK for JavaScript v3 with its default settings against the
// embedded store: the SDK's default CRC32 checksums, aws-chunked bodies,
// multipart uploads through lib-storage, and presigned URLs used with fetch.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";

import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { startSatchel } from "./satchel.js";

let satchel;
let s3;

before(async () => {
  satchel = await startSatchel();
  s3 = new S3Client({
    endpoint: satchel.endpoint,
    region: satchel.region,
    credentials: satchel.credentials,
    forcePathStyle: true,
  });
});

after(async () => {
  s3?.destroy();
  await satchel?.stop();
});

const md5 = (bytes) => createHash("md5").update(bytes).digest("hex");

test("PutObject and GetObject round-trip with the default CRC32 checksum", async () => {
  const body = "hello from the AWS SDK for JavaScript";
  const put = await s3.send(new PutObjectCommand({
    Bucket: satchel.bucket, Key: "sdk/hello.txt", Body: body, ContentType: "text/plain",
  }));
  assert.equal(put.ETag, `"${md5(body)}"`);
  assert.ok(put.ChecksumCRC32, "the SDK sends a CRC32 checksum by default and S3 echoes it");

  const got = await s3.send(new GetObjectCommand({ Bucket: satchel.bucket, Key: "sdk/hello.txt" }));
  assert.equal(await got.Body.transformToString(), body);
  assert.equal(got.ContentType, "text/plain");

  const head = await s3.send(new HeadObjectCommand({
    Bucket: satchel.bucket, Key: "sdk/hello.txt", ChecksumMode: "ENABLED",
  }));
  assert.equal(head.ChecksumCRC32, put.ChecksumCRC32);
});

test("PutObject with a stream body sends aws-chunked with a checksum trailer", async () => {
  const bytes = randomBytes(300 * 1024);
  const put = await s3.send(new PutObjectCommand({
    Bucket: satchel.bucket, Key: "sdk/stream.bin",
    Body: Readable.from([bytes.subarray(0, 100000), bytes.subarray(100000)]),
    ContentLength: bytes.length,
  }));
  assert.equal(put.ETag, `"${md5(bytes)}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: satchel.bucket, Key: "sdk/stream.bin" }));
  assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(bytes));
});

test("PutObject with IfNoneMatch creates only once", async () => {
  const params = { Bucket: satchel.bucket, Key: "sdk/once.txt", Body: "first", IfNoneMatch: "*" };
  await s3.send(new PutObjectCommand(params));
  await assert.rejects(s3.send(new PutObjectCommand({ ...params, Body: "second" })),
                       (error) => error.$metadata.httpStatusCode === 412);
});

test("lib-storage Upload sends a 20 MiB file in parts", async () => {
  const bytes = randomBytes(20 * 1024 * 1024);
  const upload = new Upload({
    client: s3,
    params: { Bucket: satchel.bucket, Key: "sdk/multipart.bin", Body: bytes },
    partSize: 5 * 1024 * 1024,
  });
  const result = await upload.done();
  assert.match(result.ETag, /^"[0-9a-f]{32}-4"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: satchel.bucket, Key: "sdk/multipart.bin" }));
  assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(bytes));
});

test("presigned PUT and GET work with fetch", async () => {
  const key = "sdk/presigned ü+.json";
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({
    Bucket: satchel.bucket, Key: key, ContentType: "application/json",
  }), { expiresIn: 300 });
  const document = JSON.stringify({ theme: "dark" });
  const stored = await fetch(putUrl, {
    method: "PUT", body: document, headers: { "Content-Type": "application/json" },
  });
  assert.equal(stored.status, 200, await stored.text());

  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: satchel.bucket, Key: key }),
                                    { expiresIn: 300 });
  const fetched = await fetch(getUrl);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get("content-type"), "application/json");
  assert.deepEqual(await fetched.json(), { theme: "dark" });
});

test("ListObjectsV2 pages and versioned buckets work", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "sdk-versions" }));
  await s3.send(new PutBucketVersioningCommand({
    Bucket: "sdk-versions", VersioningConfiguration: { Status: "Enabled" },
  }));
  const first = await s3.send(new PutObjectCommand({ Bucket: "sdk-versions", Key: "k", Body: "1" }));
  const second = await s3.send(new PutObjectCommand({ Bucket: "sdk-versions", Key: "k", Body: "2" }));
  assert.notEqual(first.VersionId, second.VersionId);
  const old = await s3.send(new GetObjectCommand({
    Bucket: "sdk-versions", Key: "k", VersionId: first.VersionId,
  }));
  assert.equal(await old.Body.transformToString(), "1");

  for (const key of ["a/1", "a/2", "b"]) {
    await s3.send(new PutObjectCommand({ Bucket: "sdk-versions", Key: key, Body: key }));
  }
  const page = await s3.send(new ListObjectsV2Command({
    Bucket: "sdk-versions", Delimiter: "/", MaxKeys: 2,
  }));
  assert.deepEqual(page.CommonPrefixes.map((prefix) => prefix.Prefix), ["a/"]);
  assert.deepEqual(page.Contents.map((object) => object.Key), ["b"]);
  assert.equal(page.IsTruncated, true);
  const rest = await s3.send(new ListObjectsV2Command({
    Bucket: "sdk-versions", Delimiter: "/", ContinuationToken: page.NextContinuationToken,
  }));
  assert.deepEqual(rest.Contents.map((object) => object.Key), ["k"]);
});

test("the tutorial's browser flow: presign, PUT JSON, read it back", async () => {
  const token = await satchel.token("alice", "acme");
  const authorization = { Authorization: `Bearer ${token}` };
  const presigned = await fetch(`${satchel.api}/presign/upload`, {
    method: "POST",
    headers: { ...authorization, "Content-Type": "application/json" },
    body: JSON.stringify({ filename: "preferences.json", contentType: "application/json" }),
  });
  assert.equal(presigned.status, 200, await presigned.clone().text());
  const { url, key } = await presigned.json();
  const preferences = { language: "fr", notifications: true };
  const stored = await fetch(url, {
    method: "PUT", body: JSON.stringify(preferences),
    headers: { "Content-Type": "application/json" },
  });
  assert.equal(stored.status, 200, await stored.text());

  const download = await fetch(
    `${satchel.api}/presign/download?key=${encodeURIComponent(key)}`, { headers: authorization });
  assert.equal(download.status, 200, await download.clone().text());
  const fetched = await fetch((await download.json()).url);
  assert.deepEqual(await fetched.json(), preferences);
});

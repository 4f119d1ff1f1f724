import { S3Error } from '../contract.ts';
import { toXml } from '../xml.ts';
import { checkBucketName } from '../names.ts';
import { bucketOf, sendXml, type S3OperationHandler } from './context.ts';

/** The owner every listing names: cdnsim has one account. */
export const OWNER = { ID: 'cdnsim', DisplayName: 'cdnsim' };

export const listBuckets: S3OperationHandler = async (_request, { buckets, res }) => {
  const list = buckets.list().map(({ name, created }) => ({ Name: name, CreationDate: new Date(created).toISOString() }));
  sendXml(res, toXml('ListAllMyBucketsResult', { Owner: OWNER, Buckets: { Bucket: list } }));
};

export const createBucket: S3OperationHandler = async (request, { buckets, res }) => {
  const name = bucketOf(request);
  checkBucketName(name);
  // The body may name a LocationConstraint; there is one region here, so it is drained unread.
  request.raw.resume();
  if (!(await buckets.create(name))) {
    throw new S3Error('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', {
      BucketName: name,
    });
  }
  res.setHeader('Location', `/${name}`);
  res.statusCode = 200;
  res.end();
};

export const deleteBucket: S3OperationHandler = async (request, { buckets, res }) => {
  await buckets.deleteBucket(bucketOf(request));
  res.statusCode = 204;
  res.end();
};

export const headBucket: S3OperationHandler = async (request, { buckets, settings, res }) => {
  buckets.keys(bucketOf(request));
  res.setHeader('x-amz-bucket-region', settings.region);
  res.statusCode = 200;
  res.end();
};

export const getBucketLocation: S3OperationHandler = async (request, { buckets, settings, res }) => {
  buckets.keys(bucketOf(request));
  // S3 answers an empty constraint for us-east-1, its oldest region.
  const constraint = settings.region === 'us-east-1' ? '' : settings.region;
  sendXml(res, toXml('LocationConstraint', { '#text': constraint }));
};

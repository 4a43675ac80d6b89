//! Where recordings live, chosen by `blob_url`: unset, a directory under the data directory
//! (the zero-configuration default for one node); `s3://bucket/prefix`, an S3-compatible
//! object store shared by every node, so that nodes share nothing on disk.
//!
//! The S3 client takes its credentials, region and endpoint from the standard `AWS_*`
//! variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP` for a server on plain HTTP), as every AWS tool does;
//! nothing of them is logged. Keys are `<company>/<random>.wav` under the prefix.

use crate::config::Config;
use anyhow::{Context, bail};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use std::sync::Arc;

/// Where a `blob_url` points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `<data_dir>/recordings`.
    Local,
    /// A bucket of an S3-compatible store, and a key prefix (maybe empty).
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// Parses `blob_url`; `None` or empty is the local directory.
    pub fn parse(url: Option<&str>) -> anyhow::Result<Self> {
        let url = url.map(str::trim).unwrap_or_default();
        if url.is_empty() {
            return Ok(Self::Local);
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            bail!(
                "blob_url must be s3://bucket/prefix (or unset for the data directory), not {url}"
            );
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid {
            bail!("blob_url: {bucket:?} is not an S3 bucket name (3 to 63 of a-z, 0-9, '-', '.')");
        }
        Ok(Self::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    /// For the startup summary: the directory or the bucket, never a credential.
    pub fn describe(&self, config: &Config) -> String {
        match self {
            Self::Local => config.data_dir.join("recordings").display().to_string(),
            Self::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
            Self::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// Opens the recordings' store of `config`.
pub fn open(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    match Location::parse(config.blob_url.as_deref()).context("blob_url")? {
        Location::Local => {
            let root = config.data_dir.join("recordings");
            std::fs::create_dir_all(&root)
                .with_context(|| format!("creating the recordings directory {}", root.display()))?;
            let local = LocalFileSystem::new_with_prefix(&root)
                .with_context(|| format!("opening the recordings directory {}", root.display()))?;
            Ok(Arc::new(local))
        }
        Location::S3 { bucket, prefix } => {
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(&bucket)
                .build()
                .with_context(|| {
                    format!("blob_url: configuring the S3 bucket {bucket} from the AWS_* variables")
                })?;
            if prefix.is_empty() {
                Ok(Arc::new(s3))
            } else {
                Ok(Arc::new(PrefixStore::new(s3, prefix.as_str())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_or_say_why_not() {
        assert_eq!(Location::parse(None).unwrap(), Location::Local);
        assert_eq!(Location::parse(Some(" ")).unwrap(), Location::Local);
        assert_eq!(
            Location::parse(Some("s3://media-eu/interviewd/")).unwrap(),
            Location::S3 {
                bucket: "media-eu".into(),
                prefix: "interviewd".into()
            }
        );
        assert_eq!(
            Location::parse(Some("s3://media")).unwrap(),
            Location::S3 {
                bucket: "media".into(),
                prefix: String::new()
            }
        );
        for bad in ["gs://media", "s3://", "s3://Media", "/var/media"] {
            assert!(Location::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}

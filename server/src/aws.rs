//! The AWS source behind the app's [`AwsConnector`] seam: turns a connection's stored settings
//! into an `aws_source::AwsSource` (the SDK stays out of the app crate's builds).

use std::sync::Arc;

use app::backend::sources::AwsConnector;
use app::domain::connection::{AwsCredentialMode, AwsSettings};
use app::domain::ConnectionId;
use aws_source::{AwsSource, AwsSourceConfig, Credentials, Timeouts};
use cloudwatch::{Source, SourceError};

pub struct SdkConnector;

/// The SDK configuration a connection's settings stand for.
pub fn config_for(id: &ConnectionId, settings: &AwsSettings, secret_access_key: Option<String>) -> Result<AwsSourceConfig, SourceError> {
    let credentials = match &settings.credentials {
        AwsCredentialMode::DefaultChain => Credentials::DefaultChain,
        AwsCredentialMode::Profile { profile } => Credentials::Profile { name: profile.clone() },
        AwsCredentialMode::StaticKeys { access_key_id } => Credentials::Static {
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.ok_or_else(|| {
                SourceError::new(
                    cloudwatch::ErrorKind::Credentials,
                    "MissingSecret",
                    "this connection has an access key id but no stored secret key",
                )
            })?,
            session_token: None,
        },
        AwsCredentialMode::AssumeRole {
            role_arn,
            external_id,
            source_profile,
        } => Credentials::AssumeRole {
            role_arn: role_arn.clone(),
            external_id: Some(external_id.clone()),
            base: Box::new(match source_profile {
                Some(name) => Credentials::Profile { name: name.clone() },
                None => Credentials::DefaultChain,
            }),
        },
    };
    Ok(AwsSourceConfig {
        connection: id.to_string(),
        region: settings.region.clone(),
        endpoint_url: settings.endpoint_url.clone(),
        credentials,
        timeouts: Timeouts::default(),
    })
}

#[async_trait::async_trait]
impl AwsConnector for SdkConnector {
    async fn connect(
        &self,
        id: &ConnectionId,
        settings: &AwsSettings,
        secret_access_key: Option<String>,
    ) -> Result<Arc<dyn Source>, SourceError> {
        let source = AwsSource::new(config_for(id, settings, secret_access_key)?).await?;
        Ok(Arc::new(source))
    }
}

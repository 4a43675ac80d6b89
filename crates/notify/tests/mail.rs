//! The mailer against a real SMTP conversation on loopback.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::time::Duration;

use interviewd_notify::testing::TestSmtpServer;
use interviewd_notify::{MailError, MailTransportConfig, Mailer, OutgoingMail, TlsMode};

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        from: "InstaView <no-reply@interviewd.test>".into(),
        to: to.into(),
        subject: "Your interview with Acme".into(),
        text_body: "Hello,\r\n.start with a dot\r\nYour interview is ready.\r\n".into(),
        message_id: None,
    }
}

#[tokio::test]
async fn sends_over_smtp_and_the_server_records_envelope_and_data() {
    let smtp = TestSmtpServer::start().await.unwrap();
    let mailer = Mailer::new(smtp.transport_config()).unwrap();
    mailer.send(&mail("candidate@example.com")).await.unwrap();
    mailer.send(&mail("second@example.com")).await.unwrap();

    let got = smtp.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].mail_from, "no-reply@interviewd.test");
    assert_eq!(got[0].rcpt_to, ["candidate@example.com"]);
    assert_eq!(got[1].rcpt_to, ["second@example.com"]);
    assert_eq!(
        got[0].header("subject").as_deref(),
        Some("Your interview with Acme")
    );
    assert_eq!(
        got[0].header("To").as_deref(),
        Some("candidate@example.com")
    );
    assert!(
        got[0]
            .header("Message-ID")
            .is_some_and(|id| id.contains('@'))
    );
    // lettre ends DATA with CRLF "." CRLF after the body's own CRLF, hence the trim.
    assert_eq!(
        got[0].body().trim_end_matches("\r\n"),
        "Hello,\r\n.start with a dot\r\nYour interview is ready."
    );
}

#[tokio::test]
async fn a_451_reply_is_transient_and_the_retry_goes_through() {
    let smtp = TestSmtpServer::start_deferring_first(1).await.unwrap();
    let mailer = Mailer::new(smtp.transport_config()).unwrap();

    let err = mailer
        .send(&mail("candidate@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Deferred { code: 451 }), "{err}");
    assert!(err.is_transient());
    assert_eq!(smtp.deferred(), 1);
    assert!(smtp.received().is_empty());

    mailer.send(&mail("candidate@example.com")).await.unwrap();
    assert_eq!(smtp.received().len(), 1);
}

#[tokio::test]
async fn no_server_is_a_transient_connection_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mailer = Mailer::new(MailTransportConfig::Smtp {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    let err = mailer
        .send(&mail("candidate@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Connection(_)), "{err}");
    assert!(err.is_transient());
}

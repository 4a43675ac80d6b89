use super::*;

const BOARD_PAGE: &str = r#"<!doctype html>
<html><head>
<title>Careers | Example</title>
<meta property="og:title" content="Not this one">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"Example"}</script>
<SCRIPT TYPE='application/ld+json'>
{"@context": "https://schema.org", "@graph": [{"@type": ["JobPosting"],
  "title": "Senior Rust Engineer &amp; Mentor",
  "description": "&lt;p&gt;Build the &lt;b&gt;engine&lt;/b&gt;.&lt;/p&gt;\n&lt;p&gt;Own it.&lt;/p&gt;",
  "skills": ["Rust, SQL", "Tokio"],
  "employmentType": ["OTHER", "CONTRACTOR"],
  "jobLocationType": "TELECOMMUTE",
  "jobLocation": [{"@type": "Place", "address": {"@type": "PostalAddress",
     "streetAddress": "Hlavná 1", "addressLocality": "Bratislava", "postalCode": "81101",
     "addressCountry": "sk"}}],
  "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR",
     "value": {"@type": "QuantitativeValue", "minValue": "50,000", "maxValue": 80000, "unitText": "YEAR"}},
  "educationRequirements": {"@type": "EducationalOccupationalCredential", "credentialCategory": "bachelor degree"},
  "experienceRequirements": {"@type": "OccupationalExperienceRequirements", "monthsOfExperience": 60},
  "jobBenefits": "Remote work"}]}
</SCRIPT>
</head><body><h1>Other</h1></body></html>"#;

#[test]
fn a_json_ld_posting_is_read_field_by_field() {
    let p = read(BOARD_PAGE);
    assert_eq!(p.title.as_deref(), Some("Senior Rust Engineer & Mentor"));
    assert_eq!(p.description.as_deref(), Some("Build the engine. Own it."));
    assert_eq!(p.skills, ["Rust", "SQL", "Tokio"]);
    assert_eq!(p.contract_type, Some("CONTRACT"));
    assert_eq!(
        p.salary,
        Some(Salary {
            min: Some(50_000.0),
            max: Some(80_000.0),
            currency: Some("EUR".into()),
            period: Some("YEARLY"),
        })
    );
    assert_eq!(
        p.location,
        Some(Place {
            work_mode: Some("REMOTE"),
            street: Some("Hlavná 1".into()),
            city: Some("Bratislava".into()),
            postal_code: Some("81101".into()),
            country_code: Some("SK".into()),
        })
    );
    assert_eq!(p.education, ["bachelor degree"]);
    assert_eq!(p.experience.as_deref(), Some("5 years"));
    assert_eq!(p.benefits.as_deref(), Some("Remote work"));
}

#[test]
fn without_json_ld_the_page_title_and_description_are_read() {
    let page = r#"<html><head><title>Jobs – Example</title>
        <meta name="description" content="Join us &quot;now&quot;"></head>
        <body><h1 class="x">Data   <em>Engineer</em></h1></body></html>"#;
    let p = read(page);
    assert_eq!(p.title.as_deref(), Some("Data Engineer"));
    assert_eq!(p.description.as_deref(), Some("Join us \"now\""));
    let og = r#"<meta content='QA Lead' property=og:title><title>x</title>"#;
    assert_eq!(read(og).title.as_deref(), Some("QA Lead"));
    assert_eq!(
        read("<title>Only &#x41;&#66; title</title>")
            .title
            .as_deref(),
        Some("Only AB title")
    );
}

#[test]
fn a_page_without_a_title_reads_as_nothing() {
    assert_eq!(read(""), Posting::default());
    assert_eq!(read("<p>hello</p>"), Posting::default());
    let broken = r#"<script type="application/ld+json">{"@type":"JobPosting",</script>"#;
    assert_eq!(read(broken), Posting::default());
}

#[test]
fn hostile_markup_neither_panics_nor_runs_away() {
    for page in [
        "<",
        "<title",
        "<title>unclosed",
        "<meta content=\"é&",
        "&#xFFFFFFFF; &#99999999; &bogus; é&amp",
        "<script type=application/ld+json>[[[[[[1]]]]]]</script>",
        "<h1>\u{1F600}</h1><meta name=description content=é>",
    ] {
        let _ = read(page);
    }
    let long = "x".repeat(20_000);
    let p = read(&format!(
        r#"<title>Long one</title><meta name="description" content="{long}">"#
    ));
    assert_eq!(p.description.map(|d| d.chars().count()), Some(15_000));
}

#[test]
fn urls_must_be_http_and_public_unless_allowed() {
    assert!(check_url("ftp://example.com/job", false).is_err());
    assert!(check_url("not a url", false).is_err());
    assert!(check_url("http://127.0.0.1/job", false).is_err());
    assert!(check_url("http://127.0.0.1/job", true).is_ok());
    assert!(check_url("https://example.com/job", false).is_ok());
}

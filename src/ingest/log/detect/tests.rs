use super::*;

fn detected(sample: &str) -> Result<Detected, DetectError> {
    detect(sample.as_bytes())
}

fn log(name: LogFormatName) -> Result<Detected, DetectError> {
    Ok(Detected::Log(name))
}

#[test]
fn har_multi_line() {
    let sample = "{\n  \"log\": {\n    \"entries\": [\n      {\"a\": 1}\n    ]\n  }\n}\n";
    assert_eq!(detected(sample), Ok(Detected::Har));
}

#[test]
fn har_single_line_and_bom() {
    assert_eq!(detected("{\"log\":{\"entries\":[]}}"), Ok(Detected::Har));
    assert_eq!(
        detected("\u{feff}{\"log\":{\"entries\":[]}}"),
        Ok(Detected::Har)
    );
}

#[test]
fn har_jsonp_wrapper() {
    assert_eq!(
        detected("onInputData({\"log\": {\"entries\": []}});"),
        Ok(Detected::Har)
    );
}

#[test]
fn w3c_cloudfront_and_iis() {
    let cloudfront = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip\n";
    assert_eq!(detected(cloudfront), log(LogFormatName::Cloudfront));
    let iis = "#Software: Microsoft Internet Information Services 8.5\n#Version: 1.0\n\
               #Fields: date time s-ip cs-method cs-uri-stem\n";
    assert_eq!(detected(iis), log(LogFormatName::Iis));
}

#[test]
fn json_lines_by_keys() {
    let cloudflare = r#"{"ClientIP":"192.0.2.1","ClientRequestHost":"a.example","RayID":"1"}"#;
    assert_eq!(detected(cloudflare), log(LogFormatName::Cloudflare));
    let caddy =
        r#"caddy  | {"level":"info","logger":"http.log.access.log0","request":{"uri":"/"}}"#;
    assert_eq!(detected(caddy), log(LogFormatName::Caddy));
    assert_eq!(
        detected(r#"{"ts":1,"uri":"/a","code":200}"#),
        log(LogFormatName::Json)
    );
}

#[test]
fn okta_events_rejected() {
    let okta = r#"{"actor":{"id":"x"},"eventType":"user.session.start","published":"2020-01-01T00:00:00Z","uuid":"1"}"#;
    assert_eq!(detected(okta), Err(DetectError::OktaEvents));
    let message = DetectError::OktaEvents.to_string();
    assert!(message.contains("Okta System Log export"), "{message}");
}

#[test]
fn ncsa_common_and_combined() {
    let common = "192.0.2.1 - - [20/Jul/2009:22:59:26 +0000] \"GET /a HTTP/1.0\" 200 134\n";
    assert_eq!(detected(common), log(LogFormatName::Common));
    let combined =
        "192.0.2.1 - - [20/Jul/2009:22:59:26 +0000] \"GET /a HTTP/1.0\" 200 134 \"-\" \"curl/8\"\n";
    assert_eq!(detected(combined), log(LogFormatName::Combined));
    let shop = "192.0.2.1 - - [22/Jan/2019:03:56:14 +0330] \"GET /a HTTP/1.1\" 200 30577 \"-\" \"Bot/6.1\" \"-\"\n";
    assert_eq!(detected(shop), log(LogFormatName::Combined));
}

#[test]
fn nginx_ingress_line() {
    let line = "192.0.2.1 - - [07/Feb/2020:11:48:51 +0000] \"POST /products HTTP/1.1\" 200 59 \"-\" \
                \"curl/7.54.0\" 89 0.001 [default-web-8080] [] 172.17.0.5:8080 59 0.000 200 529a\n";
    assert_eq!(detected(line), log(LogFormatName::NginxIngress));
}

#[test]
fn aws_alb_and_elb() {
    let alb = "http 2019-10-11T15:01:12.376735Z app/lb/c86a 192.0.2.1:56398 10.0.0.192:80 -1 -1 -1 460 - 125 0 \
               \"GET http://lb.example:80/ HTTP/1.1\" \"curl/7.58.0\" - -\n";
    assert_eq!(detected(alb), log(LogFormatName::AwsAlb));
    let elb = "2019-10-14T12:00:20.694172Z lb 192.0.2.1:54106 10.0.1.185:80 0.000043 0.000785 0.000023 200 200 0 612 \
               \"GET http://192.0.2.9:80/ HTTP/1.1\" \"curl/8\" - -\n";
    assert_eq!(detected(elb), log(LogFormatName::AwsElb));
}

#[test]
fn envoy_line() {
    let line = "[2019-04-08T16:16:55.931Z] \"GET /service/1 HTTP/1.1\" 200 - 0 89 5 4 \"-\" \"curl/7.54.0\" \
                \"c219f6da\" \"localhost:8000\" \"172.27.0.3:80\"\n";
    assert_eq!(detected(line), log(LogFormatName::Envoy));
}

#[test]
fn haproxy_syslog_lines() {
    let sample = "Feb 25 16:19:38 192.0.2.2 haproxy[1]: Proxy prod_http_in started.\n\
                  Feb 25 16:19:48 192.0.2.2 haproxy[1]: 192.0.2.7:57436 [25/Feb/2019:16:19:48.143] \
                  front back/srv 0/0/0/1/1 200 2750 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n";
    assert_eq!(detected(sample), log(LogFormatName::Haproxy));
}

#[test]
fn application_log_unrecognised() {
    let sample = "2015-03-12T23:16:52.071:INFO:com.root:Response :\n<tiptop>\n\t<sample>\n";
    assert_eq!(detected(sample), Err(DetectError::Unrecognised));
    let message = DetectError::Unrecognised.to_string();
    assert!(message.contains("--input-format"), "{message}");
}

#[test]
fn empty_input_unrecognised() {
    assert_eq!(detected(""), Err(DetectError::Unrecognised));
    assert_eq!(detected("\n\n  \n"), Err(DetectError::Unrecognised));
}

#[test]
fn invalid_utf8_unrecognised() {
    assert_eq!(
        detect(b"\xff\xfe\x00garbage\n\xc3\x28\n"),
        Err(DetectError::Unrecognised)
    );
}

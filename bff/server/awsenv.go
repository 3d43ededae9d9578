package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Service identifiers as the AWS SDKs spell them in AWS_ENDPOINT_URL_<ID>
// (the service's id, upper case, spaces as underscores).
const (
	serviceDynamoDB       = "DYNAMODB"
	serviceKMS            = "KMS"
	serviceSecretsManager = "SECRETS_MANAGER"
)

// awsEnv is what the AWS SDKs' standard environment variables ask of every
// client beyond region and credentials: endpoint overrides (VPC endpoint
// DNS names, emulators), the FIPS and dual-stack switches, a CA bundle, and
// the retry policy. The BFF reads them itself rather than through the SDK's
// config loader, which would bring the shared-file and SSO chains into the
// Lambda artifact.
type awsEnv struct {
	fips, dualStack bool
	// endpoints maps a service id to its override; "" holds AWS_ENDPOINT_URL,
	// the override for every service. Empty when
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
	endpoints map[string]string
	// httpClient trusts AWS_CA_BUNDLE's certificates besides the system's;
	// nil when the variable is unset.
	httpClient aws.HTTPClient
	retryMode  aws.RetryMode
	attempts   int
}

// readAWSEnv parses the standard variables and reports every bad value at
// once, each with the variable to fix.
func readAWSEnv(getenv func(string) string) (awsEnv, error) {
	var e awsEnv
	var problems []error
	flag := func(name string) bool {
		v := getenv(name)
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s=%q: want true or false", name, v))
		}
		return b
	}
	e.fips = flag("AWS_USE_FIPS_ENDPOINT")
	e.dualStack = flag("AWS_USE_DUALSTACK_ENDPOINT")
	if !flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
		e.endpoints = map[string]string{}
		for _, id := range []string{"", serviceDynamoDB, serviceKMS, serviceSecretsManager} {
			name := strings.TrimSuffix("AWS_ENDPOINT_URL_"+id, "_")
			v := getenv(name)
			if v == "" {
				continue
			}
			if err := checkEndpoint(v, e.fips); err != nil {
				problems = append(problems, fmt.Errorf("%s=%q: %w", name, redacted(v), err))
				continue
			}
			e.endpoints[id] = v
		}
	}
	if v := getenv("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("AWS_RETRY_MODE=%q: want standard or adaptive", v))
		}
		e.retryMode = mode
	}
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			problems = append(problems, fmt.Errorf("AWS_MAX_ATTEMPTS=%q: want a whole number of at least 1", v))
		}
		e.attempts = n
	}
	if path := getenv("AWS_CA_BUNDLE"); path != "" {
		client, err := clientTrusting(path)
		if err != nil {
			problems = append(problems, fmt.Errorf("AWS_CA_BUNDLE=%q: %w", path, err))
		}
		e.httpClient = client
	}
	return e, errors.Join(problems...)
}

// checkEndpoint accepts an absolute http or https URL. With FIPS on, the
// override must be https: the SDK uses an explicit endpoint as given (FIPS
// and a custom endpoint together are a configuration error to it), so the
// override is then the FIPS endpoint, and plain HTTP cannot be one.
func checkEndpoint(v string, fips bool) error {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL: %w", err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return errors.New("want an absolute http or https URL such as https://vpce-0abc.kms.us-gov-west-1.vpce.amazonaws.com")
	case u.User != nil:
		return errors.New("credentials in the URL are not allowed")
	case fips && u.Scheme != "https":
		return errors.New("with AWS_USE_FIPS_ENDPOINT=true the override must be https")
	}
	return nil
}

// redacted is v without any password it carries, for error messages.
func redacted(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	return "(not a URL)"
}

func clientTrusting(path string) (aws.HTTPClient, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in the file")
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}), nil
}

// apply sets the client-wide settings on cfg.
func (e awsEnv) apply(cfg *aws.Config) {
	cfg.RetryMode, cfg.RetryMaxAttempts = e.retryMode, e.attempts
	if e.httpClient != nil {
		cfg.HTTPClient = e.httpClient
	}
}

// endpoint is the override for service, or nil: the service's own variable
// wins over AWS_ENDPOINT_URL.
func (e awsEnv) endpoint(service string) *string {
	for _, id := range []string{service, ""} {
		if v, ok := e.endpoints[id]; ok {
			return &v
		}
	}
	return nil
}

// fipsState and dualStackState are the switches for service. An override
// is used as given (checkEndpoint made it https under FIPS): the SDK refuses
// either switch together with a custom endpoint.
func (e awsEnv) fipsState(service string) aws.FIPSEndpointState {
	if e.fips && e.endpoint(service) == nil {
		return aws.FIPSEndpointStateEnabled
	}
	return aws.FIPSEndpointStateUnset
}

func (e awsEnv) dualStackState(service string) aws.DualStackEndpointState {
	if e.dualStack && e.endpoint(service) == nil {
		return aws.DualStackEndpointStateEnabled
	}
	return aws.DualStackEndpointStateUnset
}

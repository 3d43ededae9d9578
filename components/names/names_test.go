package names

import (
	"strings"
	"testing"
)

// bases are logical names of the kind the stack gives its components: the
// shipped stacks, a 32-character stack name, one with a dot, one with
// capitals and an underscore, and a very long project.
var bases = []string{
	"gatehouse-dev-alb",
	"gatehouse-govcloud-bff-execution",
	"gatehouse-agency-case-management-prod-east-alb",
	"gatehouse-agency-case-management-prod-east-bff-execution",
	"gatehouse-team.alpha-site",
	"gatehouse-Prod_Blue-bff",
	strings.Repeat("p", 100) + "-" + strings.Repeat("s", 100) + "-identity",
	"internal-dev-alb",
}

func TestFitAlwaysGivesANameAWSAccepts(t *testing.T) {
	for _, r := range Rules() {
		for _, base := range bases {
			for _, name := range []string{r.Fit(base, "123456789012"), r.FitUnique(base, "8080")} {
				if problems := r.Check(name); len(problems) > 0 {
					t.Errorf("%s: %q from %q: %v", r.Type, name, base, problems)
				}
			}
		}
	}
}

func TestFit(t *testing.T) {
	alb := For("aws:lb/loadBalancer:LoadBalancer")
	bucket := For("aws:s3/bucketV2:BucketV2")
	alias := For("aws:kms/alias:Alias")
	tests := []struct {
		name, got, want string
	}{
		{"a name that fits is kept", alb.Fit("gatehouse-dev-alb"), "gatehouse-dev-alb"},
		{"a long name keeps its start and role", alb.Fit("gatehouse-agency-case-management-prod-east-alb"),
			"gatehouse-agency-ca-alb-" + Hash("gatehouse-agency-case-management-prod-east-alb")},
		{"a dot becomes a hyphen and the hash keeps it apart", alb.Fit("gatehouse-team.alpha-alb"),
			"gatehouse-team-alph-alb-" + Hash("gatehouse-team.alpha-alb")},
		{"global names always carry the account", bucket.Fit("gatehouse-dev-site", "123456789012"),
			"gatehouse-dev-site-" + Hash("gatehouse-dev-site", "123456789012")},
		{"prefixes are kept", alias.Fit("gatehouse-dev-data"), "alias/gatehouse-dev-data"},
		{"a dot in an alias", alias.Fit("gatehouse-a.b-data"), "alias/gatehouse-a-b-data-" + Hash("gatehouse-a.b-data")},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if alb.Fit("gatehouse-a.b-alb") == alb.Fit("gatehouse-a-b-alb") {
		t.Error("two stacks that sanitize alike get the same name")
	}
	if bucket.Fit("gatehouse-dev-site", "111111111111") == bucket.Fit("gatehouse-dev-site", "222222222222") {
		t.Error("two accounts get the same bucket name")
	}
}

func TestCheck(t *testing.T) {
	alb := For("aws:lb/loadBalancer:LoadBalancer")
	domain := For("aws:cognito/userPoolDomain:UserPoolDomain")
	tests := []struct {
		rule Rule
		name string
		want []string
	}{
		{alb, "gatehouse-agency-case-management-prod-east-alb-1a2b3c4", []string{"is 54 characters; AWS accepts 1 to 32"}},
		{alb, "gatehouse-a.b-alb", []string{`holds "." outside`}},
		{alb, "internal-alb", []string{`begins with "internal-"`}},
		{alb, "-alb", []string{"must begin and end with a letter or digit"}},
		{domain, "my-cognito-app", []string{`contains "cognito"`}},
		{domain, "Gatehouse", []string{"must be lowercase", `holds "G"`}},
	}
	for _, tc := range tests {
		got := strings.Join(tc.rule.Check(tc.name), "; ")
		for _, w := range tc.want {
			if !strings.Contains(got, strings.ReplaceAll(w, " outside", ", outside")) && !strings.Contains(got, w) {
				t.Errorf("%s %q: problems %q lack %q", tc.rule.Type, tc.name, got, w)
			}
		}
	}
}

func TestCheckStack(t *testing.T) {
	if got := CheckStack("gatehouse", "agency-case-management-prod-east"); len(got) != 0 {
		t.Errorf("a valid stack: %v", got)
	}
	got := CheckStack("internal-tools", "___")
	want := []string{`stack name "___" has no letter or digit`, `project name "internal-tools" begins with "internal-"`}
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("problem %q lacks %q", got[i], w)
		}
	}
}

package components

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/offline"
)

// TestEdgeReservationIsOptIn: Lambda refuses a reservation that leaves the
// account fewer than 100 unreserved executions, which new accounts do not
// have, so nothing is reserved unless asked for.
func TestEdgeReservationIsOptIn(t *testing.T) {
	args := edgeArgs(t, testAccount(PartitionCommercial, "us-east-1"))
	args.ReservedConcurrency, args.SampleTodo.ReservedConcurrency = 0, 0
	m := edgeUnderMocks(t, args)
	for _, fn := range m.ByType("aws:lambda/function:Function") {
		if v, ok := offline.Get(fn.Inputs, "reservedConcurrentExecutions"); ok && !v.IsNull() {
			t.Errorf("%s reserves %v without being asked", fn.Name, v)
		}
	}
}

func TestEdgeTopologyApiAndLambda(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))

	for _, name := range []string{"edge-api", "edge-todo-api"} {
		stage := named(t, m, "aws:apigatewayv2/stage:Stage", name)
		logGroup := named(t, m, "aws:cloudwatch/logGroup:LogGroup", name+"-access")
		if offline.GetString(stage.Inputs, "accessLogSettings.destinationArn") != offline.GetString(logGroup.Outputs, "arn") {
			t.Errorf("%s: access logs not written to its log group", name)
		}
		if offline.GetString(logGroup.Inputs, "kmsKeyId") != edgeLogsKey {
			t.Errorf("%s: access log group not under the log CMK", name)
		}
		if burst, _ := offline.Get(stage.Inputs, "defaultRouteSettings.throttlingBurstLimit"); !burst.IsNumber() || burst.NumberValue() != 200 {
			t.Errorf("%s: default route burst limit %v, want 200", name, burst)
		}
		if rate, _ := offline.Get(stage.Inputs, "defaultRouteSettings.throttlingRateLimit"); !rate.IsNumber() || rate.NumberValue() != 100 {
			t.Errorf("%s: default route rate limit %v, want 100", name, rate)
		}
	}

	routes := map[string]offline.Resource{}
	for _, r := range m.ByType("aws:apigatewayv2/route:Route") {
		routes[offline.GetString(r.Inputs, "routeKey")] = r
	}
	for _, key := range []string{"ANY /api/{proxy+}", "ANY /auth/{proxy+}"} {
		if _, ok := routes[key]; !ok {
			t.Errorf("BFF API lacks route %s", key)
		}
	}
	todoRoute, ok := routes["$default"]
	if !ok || offline.GetString(todoRoute.Inputs, "authorizationType") != "JWT" {
		t.Errorf("the ToDo API's routes must need a JWT: %v", todoRoute.Inputs)
	}
	client := only(t, m, "aws:cognito/userPoolClient:UserPoolClient")
	authorizer := only(t, m, "aws:apigatewayv2/authorizer:Authorizer")
	if offline.GetString(authorizer.Inputs, "jwtConfiguration.audiences[0]") != client.ID || !strings.HasPrefix(offline.GetString(authorizer.Inputs, "jwtConfiguration.issuer"), "https://cognito-idp.us-east-1.amazonaws.com/") {
		t.Errorf("ToDo authorizer must accept the BFF client's Cognito tokens only: %v", authorizer.Inputs)
	}
	for _, p := range m.ByType("aws:lambda/permission:Permission") {
		if !strings.HasSuffix(offline.GetString(p.Inputs, "sourceArn"), "/$default/*") {
			t.Errorf("permission %s: source %q is not one API stage", p.Name, offline.GetString(p.Inputs, "sourceArn"))
		}
	}

	bff := named(t, m, "aws:lambda/function:Function", "edge-bff")
	todo := named(t, m, "aws:lambda/function:Function", "edge-todo")
	for _, fn := range []offline.Resource{bff, todo} {
		v, _ := offline.Get(fn.Inputs, "reservedConcurrentExecutions")
		if offline.GetString(fn.Inputs, "runtime") != "provided.al2023" || offline.GetString(fn.Inputs, "architectures[0]") != "arm64" ||
			offline.GetString(fn.Inputs, "tracingConfig.mode") != "Active" || offline.GetString(fn.Inputs, "kmsKeyArn") != edgeDataKey ||
			!v.IsNumber() || v.NumberValue() < 1 {
			t.Errorf("%s is not hardened: %v", fn.Name, fn.Inputs)
		}
		logGroup := named(t, m, "aws:cloudwatch/logGroup:LogGroup", fn.Name)
		if offline.GetString(fn.Inputs, "loggingConfig.logGroup") != offline.GetString(logGroup.Outputs, "name") || offline.GetString(logGroup.Inputs, "kmsKeyId") != edgeLogsKey {
			t.Errorf("%s must log to its own log group under the log CMK", fn.Name)
		}
		policy := named(t, m, "aws:iam/rolePolicy:RolePolicy", fn.Name)
		var doc edgePolicy
		if err := json.Unmarshal([]byte(offline.GetString(policy.Inputs, "policy")), &doc); err != nil {
			t.Fatal(err)
		}
		sids := map[string]bool{}
		for _, s := range doc.Statement {
			sids[s.Sid] = true
			if s.Resource == "*" && s.Sid != "WriteTraces" {
				t.Errorf("%s: statement %s grants %v on every resource", fn.Name, s.Sid, s.Action)
			}
			for _, a := range s.Action {
				if strings.HasSuffix(a, "*") {
					t.Errorf("%s: statement %s uses wildcard action %s", fn.Name, s.Sid, a)
				}
			}
		}
		for _, sid := range []string{"WriteOwnLogs", "WriteTraces", "UseTableKeyThroughDynamoDB"} {
			if !sids[sid] {
				t.Errorf("%s: role policy lacks %s", fn.Name, sid)
			}
		}
	}

	env := func(k string) string { return offline.GetString(bff.Inputs, "environment.variables."+k) }
	ciphertext := only(t, m, "aws:kms/ciphertext:Ciphertext")
	if offline.GetString(ciphertext.Inputs, "keyId") != edgeSessionsKey || env("GATEHOUSE_DATA_KEY_CIPHERTEXT") != offline.GetString(ciphertext.Outputs, "ciphertextBlob") {
		t.Error("the session data key must be a ciphertext under the sessions CMK")
	}
	secret := named(t, m, "aws:secretsmanager/secret:Secret", "edge-origin-verify")
	wantEnv := map[string]string{
		"GATEHOUSE_MODE":                     "edge",
		"GATEHOUSE_PUBLIC_URL":               "https://app.example.gov",
		"GATEHOUSE_SESSION_STORE":            "dynamodb",
		"GATEHOUSE_SESSION_TABLE":            "sessions",
		"GATEHOUSE_OIDC_CLIENT_ID":           client.ID,
		"GATEHOUSE_ORIGIN_VERIFY_HEADER":     OriginVerifyHeader,
		"GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN": offline.GetString(secret.Outputs, "arn"),
		"GATEHOUSE_COGNITO_DOMAIN":           "https://gh-test.auth.us-east-1.amazoncognito.com",
		"GATEHOUSE_SESSION_IDLE_TIMEOUT":     "15m0s",
		"GATEHOUSE_OIDC_SCOPES":              "openid email profile gatehouse-api/records.read",
		"GOGC":                               "off",
		"GOMEMLIMIT":                         "409MiB", // 80% of the function's 512 MB
	}
	for k, want := range wantEnv {
		if got := env(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var routeList []map[string]any
	if err := json.Unmarshal([]byte(env("GATEHOUSE_ROUTES")), &routeList); err != nil {
		t.Fatalf("GATEHOUSE_ROUTES: %v", err)
	}
	todoApi := named(t, m, "aws:apigatewayv2/api:Api", "edge-todo-api")
	wantRoutes := []map[string]any{
		{"name": "records", "upstream": "https://records.example.gov", "groups": []any{"staff"}, "timeout": "15s", "maxBodyBytes": float64(2048)},
		{"name": "todos", "upstream": offline.GetString(todoApi.Outputs, "apiEndpoint") + "/todos"},
		{"name": "greeting", "upstream": offline.GetString(todoApi.Outputs, "apiEndpoint") + "/greeting"},
	}
	got, _ := json.Marshal(routeList)
	want, _ := json.Marshal(wantRoutes)
	if string(got) != string(want) {
		t.Errorf("GATEHOUSE_ROUTES = %s, want %s", got, want)
	}

	table := named(t, m, "aws:dynamodb/table:Table", "edge-todo")
	if offline.GetString(table.Inputs, "hashKey") != "sub" || offline.GetString(table.Inputs, "rangeKey") != "id" ||
		!offline.GetBool(table.Inputs, "pointInTimeRecovery.enabled") || offline.GetString(table.Inputs, "serverSideEncryption.kmsKeyArn") != edgeDataKey {
		t.Errorf("ToDo table does not follow the contract: %v", table.Inputs)
	}
	if offline.GetString(todo.Inputs, "environment.variables.TODO_TABLE") != offline.GetString(table.Outputs, "name") ||
		offline.GetString(todo.Inputs, "environment.variables.TODO_AUDIENCE") != client.ID {
		t.Errorf("ToDo environment: %v", todo.Inputs["environment"])
	}
}

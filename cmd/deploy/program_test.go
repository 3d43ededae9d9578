package main

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// site is a component resource: no AWS provider plugin can be had on the machines that run these
// tests, so the engine-level test program registers components and stack outputs only.
type site struct{ pulumi.ResourceState }

// testProgram stands in for internal/stack.Deploy. It reads the stack's configuration, registers a
// component with a child, and exports outputs that let the test see which configuration (and which
// secret) the engine gave it.
func testProgram(ctx *pulumi.Context) error {
	conf := config.New(ctx, "gatehouse")
	s := &site{}
	if err := ctx.RegisterComponentResource("gatehouse:test:Site", "site", s); err != nil {
		return err
	}
	part := &site{}
	if err := ctx.RegisterComponentResource("gatehouse:test:Part", "site-part", part, pulumi.Parent(s)); err != nil {
		return err
	}
	if err := ctx.RegisterResourceOutputs(part, pulumi.Map{}); err != nil {
		return err
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"public": pulumi.Bool(conf.GetBool("public")),
		"owner":  pulumi.String(conf.Get("owner")),
	}); err != nil {
		return err
	}
	apiKey := conf.GetSecret("apiKey")
	ctx.Export("url", pulumi.Sprintf("https://%s.example.test", ctx.Stack()))
	ctx.Export("owner", pulumi.String(conf.Get("owner")))
	ctx.Export("replicas", pulumi.Int(conf.GetInt("replicas")))
	ctx.Export("apiKey", apiKey)
	ctx.Export("apiKeyDigest", pulumi.Unsecret(apiKey.ApplyT(func(k string) string {
		sum := sha256.Sum256([]byte(k))
		return hex.EncodeToString(sum[:8])
	})))
	return nil
}

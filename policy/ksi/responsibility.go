package ksi

// duty is Gatehouse's statement about one KSI: what stays with the operator, and, for a KSI no
// policy rule evidences, why not.
type duty struct {
	operator string
	reason   string
}

// responsibility returns what remains the operator's for a KSI, and the reason the rules give no
// evidence for it (empty when they do). TestEveryIndicatorIsAccountedFor keeps this table
// complete and the reasons true.
func responsibility(id string) (operator, reason string) {
	d := duties[id]
	return d.operator, d.reason
}

var duties = map[string]duty{
	"KSI-CED-RAT": {
		operator: "Run and review security training for all staff, high-risk roles, engineers and incident responders.",
		reason:   "Training is a programme of the provider's people; no infrastructure resource carries it.",
	},
	"KSI-CMT-LMC": {
		operator: "Keep CloudTrail and the pipeline's deployment history for the account, and monitor them; Gatehouse logs its own resources' traffic, not the account's API calls.",
	},
	"KSI-CMT-RMV": {
		operator: "Deploy only through the Pulumi program from version control (cmd/deploy in CI), and deny console changes to production with IAM.",
	},
	"KSI-CMT-RVP": {
		operator: "Document the change procedure (review, approval environments) and review its effectiveness.",
	},
	"KSI-CMT-VTD": {
		operator: "Require the pull-request checks (tests, offline review, preview with the policy pack) before merge, and keep their records.",
	},
	"KSI-CNA-DFP": {
		operator: "Keep the stack files' upstream routes, groups and scopes to what each service needs, and review them.",
	},
	"KSI-CNA-EIS": {
		operator: "Run continuous configuration assessment in the account (AWS Config conformance packs, Security Hub) and drift detection (`pulumi refresh`/`preview` on a schedule).",
		reason:   "The rules assess the configuration before it is deployed; assessing and enforcing the running state persistently needs account-level services the stack does not create.",
	},
	"KSI-CNA-IBP": {
		operator: "Compare the AWS services' configuration with AWS's own guidance (Security Hub foundational best practices) for the whole account.",
	},
	"KSI-CNA-MAT": {
		operator: "Review the attack surface of everything else in the account and the upstream services the BFF reaches.",
	},
	"KSI-CNA-OFA": {
		operator: "Set availability and recovery targets and review the deployment against them (Fargate tasks in several zones, on-demand DynamoDB with point-in-time recovery).",
		reason:   "FedRAMP maps no NIST SP 800-53 control to this KSI, so no rule result can evidence it.",
	},
	"KSI-CNA-RNT": {
		operator: "Review the network rules of the account beyond this stack (other VPCs, transit, firewall) and of the upstream services.",
	},
	"KSI-CNA-RVP": {
		operator: "Review the WAF and throttling figures against real traffic; consider AWS Shield Advanced.",
	},
	"KSI-CNA-ULN": {
		operator: "Review the account's wider network segmentation and the upstream services' own flow controls.",
	},
	"KSI-IAM-AAM": {
		operator: "Manage the lifecycle of user accounts and groups at the identity provider (joiners, movers, leavers, disabling high-risk users) and of AWS accounts and roles with automation.",
		reason:   "User and role lifecycles live in the agency's identity provider and the AWS organisation, not in this stack; Cognito only federates to them.",
	},
	"KSI-IAM-APM": {
		operator: "Require phishing-resistant MFA (PIV/CAC, FIDO2) at the identity provider Cognito federates to.",
	},
	"KSI-IAM-ELP": {
		operator: "Assign users to groups by need at the identity provider, and review the groups each route requires.",
	},
	"KSI-IAM-JIT": {
		operator: "Grant people access to the AWS account just in time (IAM Identity Center permission sets with approval), and review it.",
	},
	"KSI-IAM-SNU": {
		operator: "Rotate the Cognito client secret and the upstreams' credentials, and review the roles CI deploys with.",
	},
	"KSI-IAM-SUS": {
		operator: "Detect suspicious activity (GuardDuty, Cognito advanced security) and disable the accounts concerned at the identity provider.",
	},
	"KSI-INR-AAR": {
		operator: "Write after-action reports for incidents and feed the lessons back into the procedures and this configuration.",
		reason:   "Incident response is the provider's procedure; no infrastructure resource carries it.",
	},
	"KSI-INR-RIR": {
		operator: "Document incident response procedures (reporting to US-CERT/CISA and agencies) and review their effectiveness.",
		reason:   "Incident response is the provider's procedure; no infrastructure resource carries it.",
	},
	"KSI-INR-RPI": {
		operator: "Review past incidents for patterns.",
		reason:   "Incident response is the provider's procedure; no infrastructure resource carries it.",
	},
	"KSI-MLA-ALA": {
		operator: "Restrict who can read the log groups and log buckets (IAM, the logs key's policy) by the sensitivity of the data, and review it.",
		reason:   "FedRAMP maps this KSI only to SI-11 (error handling); Gatehouse encrypts its logs with their own key, but who may read them is granted in the account, outside this stack.",
	},
	"KSI-MLA-EVC": {
		operator: "Run the evaluation persistently: the offline review on every change, and `pulumi preview --policy-pack policy` against the live stack on a schedule.",
	},
	"KSI-MLA-LET": {
		operator: "Keep the list of logged event types for the whole offering (CloudTrail, GuardDuty, the upstreams) and review it.",
	},
	"KSI-MLA-OSM": {
		operator: "Ship the log groups and log buckets to a SIEM with tamper-resistant retention, together with CloudTrail.",
	},
	"KSI-MLA-RVL": {
		operator: "Review and audit the logs (SIEM alerting and periodic review).",
	},
	"KSI-PIY-GIV": {
		operator: "Inventory the whole offering from the account (AWS Config), of which boundary.json covers this stack.",
		reason:   "The review writes this stack's inventory (boundary.json) from the program itself, but no policy rule evidences CM-8 or CM-12 for the whole offering.",
	},
	"KSI-PIY-RES": {
		operator: "Demonstrate executive support for the security programme.",
		reason:   "FedRAMP maps no NIST SP 800-53 control to this KSI; it is about the provider's leadership.",
	},
	"KSI-PIY-RIS": {
		operator: "Review the effectiveness of security investments.",
		reason:   "Security investment is the provider's programme; no infrastructure resource carries it.",
	},
	"KSI-PIY-RSD": {
		operator: "Review the secure development lifecycle of the applications behind the BFF against CISA's Secure by Design principles.",
	},
	"KSI-PIY-RVD": {
		operator: "Run a vulnerability disclosure programme and review it.",
		reason:   "A vulnerability disclosure programme is the provider's process; no infrastructure resource carries it.",
	},
	"KSI-RPL-ABO": {
		operator: "Define recovery point objectives and check that point-in-time recovery, versioning and backups meet them.",
	},
	"KSI-RPL-ARP": {
		operator: "Write the recovery plan (region loss, account loss, restoring the session table and the SPA bucket) and review it against the objectives.",
	},
	"KSI-RPL-RRO": {
		operator: "Define the recovery time and recovery point objectives and review them.",
	},
	"KSI-RPL-TRC": {
		operator: "Test recovery: restore the tables to a point in time and redeploy the stack in another region, on a schedule.",
	},
	"KSI-SCR-MIT": {
		operator: "Review the supply chain: the Go and npm dependencies (go.sum, package-lock.json), the container base, the AWS services used.",
	},
	"KSI-SCR-MON": {
		operator: "Monitor upstream vulnerabilities of the dependencies (govulncheck, npm audit, ECR scan findings) and act on them.",
	},
	"KSI-SVC-ACM": {
		operator: "Detect drift between the program and the live stack (`pulumi refresh --preview-only` on a schedule) and review it.",
	},
	"KSI-SVC-ASM": {
		operator: "Rotate the Cognito client secret and the ACM certificates' private keys where not automatic, and review key policies.",
	},
	"KSI-SVC-EIS": {
		operator: "Keep evaluating improvements (new policy rules, AWS security features) and make them.",
	},
	"KSI-SVC-PRR": {
		operator: "After each change, remove what is left over (old task definitions, images, log groups, review stacks) and review the plans.",
		reason:   "The rules judge the resources the program creates, not what earlier deployments left behind; `pulumi destroy` of review stacks and ECR lifecycle policies help, but the review is the operator's.",
	},
	"KSI-SVC-RUD": {
		operator: "Remove a customer's data on request, including from point-in-time backups and object versions, as the customer agreement says.",
		reason:   "Removing data on request is a procedure run against the data, not a property of the infrastructure.",
	},
	"KSI-SVC-SIN": {
		operator: "Sign the DNS zone (DNSSEC) if required, and secure everything outside this stack the same way.",
	},
	"KSI-SVC-VCM": {
		operator: "Validate the authenticity of machine-to-machine communications beyond TLS where required (signed requests to the upstreams).",
		reason:   "FedRAMP maps this KSI to SC-23 and SI-7(1), which no rule names: TLS with verified certificates and SigV4 protect the connections (see boundary.json), but no rule checks them under these controls.",
	},
	"KSI-SVC-VRI": {
		operator: "Verify the integrity of what runs (image digests are pinned; sign images and check signatures at deploy time where required).",
	},
}

// Command cert-manager-controller runs the real cert-manager controllers
// (github.com/cert-manager/cert-manager/pkg/controller) out of cluster, for
// the manifests tests (make k8s-env). Test tooling only: it mirrors
// cmd/controller/app of cert-manager (a module not on the proxy) minus leader
// election, metrics, healthz, ingress/gateway shims and the vault/venafi
// issuers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/controller"
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmechallenges"
	_ "github.com/cert-manager/cert-manager/pkg/controller/acmeorders"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/acme"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/acme"
	dnsutil "github.com/cert-manager/cert-manager/pkg/issuer/acme/dns/util"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"
)

// controllers are the names the packages above register (controller.Known()).
var controllers = []string{
	"issuers", "clusterissuers",
	"certificates-trigger", "certificates-issuing", "certificates-key-manager",
	"certificates-request-manager", "certificates-readiness", "certificates-revision-manager",
	"certificaterequests-approver", "certificaterequests-issuer-acme",
	"certificaterequests-issuer-ca", "certificaterequests-issuer-selfsigned",
	"orders", "challenges",
}

func main() {
	fs := flag.NewFlagSet("cert-manager-controller", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "path to the kubeconfig of the API server (required)")
	crNamespace := fs.String("cluster-resource-namespace", "cert-manager", "namespace of the secrets of ClusterIssuers (e.g. their ACME account keys)")
	nameservers := fs.String("acme-http01-solver-nameservers", "", "host:port[,host:port] of the DNS servers the ACME http-01 (and dns-01) self-checks ask instead of the system resolver")
	verbosity := fs.Int("v", 0, "log verbosity (cert-manager: 2 info, 4 debug, 5 trace)")
	startupTimeout := fs.Duration("startup-timeout", 20*time.Second, "how long to wait for the API server (and the cert-manager CRDs) before giving up")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if *kubeconfig == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "cert-manager-controller: --kubeconfig is required and no arguments are taken")
		fs.Usage()
		os.Exit(2)
	}
	var ns []string
	for s := range strings.SplitSeq(*nameservers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			ns = append(ns, s)
		}
	}

	logf.InitLogs() // klog to stderr, contextual logging on
	var klogFlags flag.FlagSet
	klog.InitFlags(&klogFlags)
	_ = klogFlags.Set("v", strconv.Itoa(*verbosity))
	defer logf.FlushLogs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *kubeconfig, *crNamespace, ns, *startupTimeout); err != nil {
		logf.Log.Error(err, "cert-manager-controller failed")
		logf.FlushLogs()
		os.Exit(1)
	}
}

// waitForAPI fails with a clear error unless the API server answers and
// serves the cert-manager CRDs within timeout.
func waitForAPI(ctx context.Context, kubeconfig string, timeout time.Duration) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("loading kubeconfig %s: %w", kubeconfig, err)
	}
	cfg.Timeout = 5 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		_, err = dc.ServerVersion()
		if err != nil {
			err = fmt.Errorf("the Kubernetes API server at %s is unreachable: %w", cfg.Host, err)
		} else {
			for _, gv := range []string{"cert-manager.io/v1", "acme.cert-manager.io/v1"} {
				if _, err = dc.ServerResourcesForGroupVersion(gv); err != nil {
					err = fmt.Errorf("the API server at %s does not serve %s (are the cert-manager CRDs applied?): %w", cfg.Host, gv, err)
					break
				}
			}
		}
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for the API server: %w", err)
		case <-time.After(time.Second):
		}
	}
}

func run(ctx context.Context, kubeconfig, crNamespace string, nameservers []string, startupTimeout time.Duration) error {
	log := logf.Log
	if err := waitForAPI(ctx, kubeconfig, startupTimeout); err != nil {
		return err
	}
	dns01 := nameservers
	if len(dns01) == 0 {
		dns01 = dnsutil.RecursiveNameservers // cert-manager's default: resolv.conf
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(cctx)
	gctx = logf.NewContext(gctx, log)

	factory, err := controller.NewContextFactory(gctx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace: crNamespace,
			// never ask cloud metadata services for credentials
			ClusterIssuerAmbientCredentials: false,
			IssuerAmbientCredentials:        false,
		},
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverImage:                 "quay.io/jetstack/cert-manager-acmesolver:" + util.AppVersion,
			HTTP01SolverResourceRequestCPU:    resource.MustParse("10m"),
			HTTP01SolverResourceRequestMemory: resource.MustParse("64Mi"),
			HTTP01SolverResourceLimitsCPU:     resource.MustParse("100m"),
			HTTP01SolverResourceLimitsMemory:  resource.MustParse("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			HTTP01SolverNameservers:           nameservers,
			DNS01Nameservers:                  dns01,
			DNS01CheckAuthoritative:           len(nameservers) == 0,
			DNS01CheckRetryPeriod:             10 * time.Second,
		},
		IngressShimOptions: controller.IngressShimOptions{DefaultIssuerKind: "Issuer", DefaultIssuerGroup: "cert-manager.io"},
		CertificateOptions: controller.CertificateOptions{
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: 60},
	})
	if err != nil {
		return fmt.Errorf("building the controller context: %w", err)
	}
	base, err := factory.Build()
	if err != nil {
		return fmt.Errorf("building the controller context: %w", err)
	}

	known := controller.Known()
	for _, name := range controllers {
		ctor, ok := known[name]
		if !ok {
			return fmt.Errorf("controller %q is not registered by the cert-manager module", name)
		}
		iface, err := ctor(factory)
		if err != nil {
			return fmt.Errorf("constructing controller %s: %w", name, err)
		}
		g.Go(func() error {
			log.Info("starting controller", "controller", name)
			if err := iface.Run(5, gctx); err != nil && gctx.Err() == nil {
				return fmt.Errorf("controller %s: %w", name, err)
			}
			return nil
		})
	}
	log.Info("enabled controllers", "controllers", controllers, "clusterResourceNamespace", crNamespace, "http01SolverNameservers", nameservers)
	base.SharedInformerFactory.Start(gctx.Done())
	base.KubeSharedInformerFactory.Start(gctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(gctx.Done())

	err = g.Wait()
	log.Info("control loops exited; shutting down")
	done := make(chan struct{})
	go func() {
		base.HTTP01ResourceMetadataInformersFactory.Shutdown()
		base.KubeSharedInformerFactory.Shutdown()
		base.SharedInformerFactory.Shutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		log.Info("informers did not stop within 10s; exiting anyway")
	}
	return err
}

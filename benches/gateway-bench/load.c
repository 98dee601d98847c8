/* Source: shared/gateway-bench/load.c of the steering repository. */
/* Modbus TCP load: C clients (threads), each N sequential FC03 reads of COUNT registers from UNIT;
   prints transactions/s, p50/p99 latency, and errors. Built on libmodbus. */
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
static const char *host; static int port, n, unit, count;
static double now(void){ struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec/1e9; }
typedef struct { double *lat; int errors; int wrong; } res_t;
static void *run(void *arg){ res_t *r=arg; modbus_t *c=modbus_new_tcp(host,port); modbus_set_slave(c,unit);
  modbus_set_response_timeout(c,5,0);
  if(modbus_connect(c)==-1){ r->errors=n; return 0; }
  uint16_t regs[125];
  for(int i=0;i<n;i++){ double t0=now(); int rc=modbus_read_registers(c,i%100,count,regs); r->lat[i]=now()-t0;
    if(rc!=count) r->errors++; else if(regs[0]!=1000+i%100) r->wrong++; }
  modbus_close(c); modbus_free(c); return 0; }
static int cmp(const void*a,const void*b){ double x=*(double*)a,y=*(double*)b; return x<y?-1:x>y; }
int main(int argc,char**argv){ if(argc<7){fprintf(stderr,"usage: load HOST PORT CLIENTS N UNIT COUNT\n");return 2;}
  host=argv[1]; port=atoi(argv[2]); int k=atoi(argv[3]); n=atoi(argv[4]); unit=atoi(argv[5]); count=atoi(argv[6]);
  pthread_t th[256]; res_t rs[256]; double t0=now();
  for(int i=0;i<k;i++){ rs[i].lat=calloc(n,sizeof(double)); rs[i].errors=rs[i].wrong=0; pthread_create(&th[i],0,run,&rs[i]); }
  for(int i=0;i<k;i++) pthread_join(th[i],0);
  double el=now()-t0; double *all=malloc(sizeof(double)*k*n); int e=0,w=0;
  for(int i=0;i<k;i++){ memcpy(all+i*n,rs[i].lat,sizeof(double)*n); e+=rs[i].errors; w+=rs[i].wrong; }
  qsort(all,k*n,sizeof(double),cmp);
  double mn=1e9,mx=0; for(int i=0;i<k;i++){ double s=0; for(int j=0;j<n;j++) s+=rs[i].lat[j]; if(s<mn)mn=s; if(s>mx)mx=s; }
  printf("clients=%d n=%d tx/s=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d wrong=%d fairness(min/max client time)=%.2f\n",
    k,n,(k*n-e)/el,all[k*n/2]*1e3,all[(int)(k*n*0.99)]*1e3,e,w,mn/mx);
  return 0; }

import { readFileSync, readdirSync } from 'node:fs';
import { parseXml, preScan } from '../pipeline/extract/xml.ts';
import { parseJats } from '../pipeline/extract/jats.ts';
const d='/work/shared/data/pmc/articles-other/'; const d2='/work/shared/data/pmc/articles/';
const files=[...readdirSync(d).map(f=>readFileSync(d+f,'utf8')), ...readdirSync(d2).filter(f=>f.endsWith('.nxml')).map(f=>readFileSync(d2+f,'utf8'))];
const t=(n:string,fn:()=>void)=>{fn();const s=performance.now();for(let i=0;i<5;i++)fn();console.log(n,((performance.now()-s)/5).toFixed(1));};
t('prescan',()=>{for(const f of files)preScan(f)});
t('parse',()=>{for(const f of files)parseXml(f)});
t('full',()=>{for(const f of files)parseJats(f,{allowNoCase:true,pmcid:'PMC1'})});
